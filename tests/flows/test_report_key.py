"""`report:` on an ask step: the dashboard report that counts its answers, checked
precisely by the schema, the flow checks and the library (one question per report)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flows.loader import check_library, load_library
from bot.flows.schema import REPORTS
from tests.flows.conftest import problems_of

ATTENDANCE = [("yes", "Ja"), ("partly", "Delvis"), ("no", "Nej"), ("talk", "Prata")]


def counting(tiny: dict, report: str = "attendance", flow_id: str = "tiny") -> dict[str, Any]:
    """The tiny flow whose question offers the attendance answers and names `report`."""
    flow = copy.deepcopy(tiny)
    flow["id"] = flow_id
    flow["steps"][0]["choices"] = [{"key": n, "value": value, "label": label, "next": "bye"}
                                   for n, (value, label) in enumerate(ATTENDANCE, start=1)]
    flow["steps"][0]["report"] = report
    return flow


def write(folder: Path, flow: dict) -> None:
    folder.mkdir(exist_ok=True)
    (folder / f"{flow['id']}.yaml").write_text(yaml.safe_dump(flow, allow_unicode=True),
                                               encoding="utf-8")


def test_a_question_that_offers_the_report_answers_loads(tmp_path: Path, tiny: dict) -> None:
    write(tmp_path / "flows", counting(tiny))
    assert load_library(tmp_path / "flows")["tiny"].step("q").report == "attendance"


def test_an_unknown_report_name_is_refused(tmp_path: Path, tiny: dict) -> None:
    assert problems_of(tmp_path, counting(tiny, "atendance")) == [
        "flows/tiny.yaml: step 'q': report: unknown report 'atendance' "
        "(expected one of attendance, plan_progress)"]


def test_the_question_must_offer_every_answer_the_report_shows(tmp_path: Path,
                                                               tiny: dict) -> None:
    flow = counting(tiny)
    yes, _partly, _no, talk = flow["steps"][0]["choices"]
    flow["steps"][0]["choices"] = [yes, {**talk, "key": 2}]
    assert problems_of(tmp_path, flow) == [
        "flows/tiny.yaml: step 'q': report 'attendance' counts the answers partly, no, "
        "which no choice of this question has as its value"]


def test_a_free_text_question_cannot_carry_a_report(tmp_path: Path, tiny: dict) -> None:
    flow = counting(tiny)
    ask = flow["steps"][0]
    del ask["choices"]
    ask.update(free_text=True, next="bye", text="Hej {name}! Skriv gärna ett svar, eller "
               "skriv 0 om du vill hoppa över.")
    assert "flows/tiny.yaml: step 'q': report 'attendance' counts numbered answers; this " \
        "question has none" in problems_of(tmp_path, flow)


def test_two_questions_of_one_flow_cannot_claim_one_report(tmp_path: Path,
                                                           tiny: dict) -> None:
    flow = counting(tiny)
    again = {**copy.deepcopy(flow["steps"][0]), "id": "q2", "save_as": "coming_again"}
    flow["steps"][0]["choices"][0]["next"] = "q2"
    flow["steps"].insert(1, again)
    assert problems_of(tmp_path, flow) == [
        "flows/tiny.yaml: step 'q2': report 'attendance' is already counted by "
        "flows/tiny.yaml step 'q'; a report counts one question"]


def test_two_flows_cannot_claim_one_report(tmp_path: Path, tiny: dict) -> None:
    folder = tmp_path / "flows"
    write(folder, counting(tiny, flow_id="tiny"))
    write(folder, counting(tiny, flow_id="tiny_too"))
    write(folder, counting(tiny, "plan_progress", flow_id="other") | {"steps": tiny["steps"]})
    assert [str(p) for p in check_library(folder)] == [
        "flows/tiny_too.yaml: step 'q': report 'attendance' is already counted by "
        "flows/tiny.yaml step 'q'; a report counts one question"]


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_every_report_is_carried_by_one_shipped_question(report: str) -> None:
    flows = load_library(Path(__file__).resolve().parents[2] / "flows")
    carriers = [(flow.id, step.id) for flow in flows.values() for step in flow.steps
                if getattr(step, "report", None) == report]
    assert len(carriers) == 1, carriers
