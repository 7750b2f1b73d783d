"""SMS segment budgets and LIX: what `flows check` enforces on the Swedish source and what
the translation tooling calls for every translation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.flows.budgets import (
    budget_for,
    budget_problems,
    client_messages,
    longest_date,
    render_worst_case,
    worst_case_params,
)
from bot.flows.loader import load_flow
from bot.flows.schema import Flow
from bot.i18n.languages import LANGUAGES
from tests.flows.conftest import problems_of

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_every_message_a_client_can_get(tiny: dict) -> None:
    tiny["steps"][0]["segments"] = 3
    messages = client_messages(Flow.model_validate(tiny))
    assert [(m.step, m.key, m.budget) for m in messages] == [
        ("q", "tiny.q", 3), ("q", "tiny.q.reask", 3), ("bye", "tiny.bye", 2)]
    assert messages[0].template() == "Hej {name}! Kommer du?\n1 Ja\n2 Prata med {case_manager}"
    assert messages[1].template() == "Svara med en siffra.\n1 Ja\n2 Prata med {case_manager}"
    assert [p.key for p in messages[1].parts] == ["tiny.reask", "tiny.q.choice.1",
                                                  "tiny.q.choice.2"]


def test_a_message_with_translated_parts(tiny: dict) -> None:
    message = client_messages(Flow.model_validate(tiny))[0]
    arabic = {"tiny.q": "مرحبا {name}! هل ستأتي؟", "tiny.q.choice.1": "نعم"}
    assert message.template(arabic) == (
        "مرحبا {name}! هل ستأتي؟\n1 نعم\n2 Prata med {case_manager}")


def test_budgets_default_to_two_then_the_flow_then_the_step(tiny: dict) -> None:
    assert budget_for(Flow.model_validate(tiny), "tiny.q") == 2
    tiny["segments"] = 4
    tiny["steps"][1]["segments"] = 1
    flow = Flow.model_validate(tiny)
    assert [budget_for(flow, key) for key in ("tiny.q", "tiny.q.reask", "tiny.q.choice.2",
                                              "tiny.bye", "tiny.reask")] == [4, 4, 4, 1, 4]


def test_worst_case_values(tiny: dict) -> None:
    tiny["params"] = {"meeting_at": "datetime", "place": "text"}
    params = worst_case_params(Flow.model_validate(tiny))
    assert (params["name"], params["case_manager"], params["place"]) == (
        "Mohammed Ali", "Kristin Berg", "Storgatan 12, plan 3")
    assert len(params["name"]) == len(params["case_manager"]) == 12
    assert params["language"] == "Bosanski/Hrvatski/Српски"  # the longest native name
    assert params["meeting_at_date"] == params["meeting_at_time"] == datetime(
        2027, 9, 16, 10, 0, tzinfo=STOCKHOLM)
    rendered = render_worst_case(Flow.model_validate(tiny), "{meeting_at_date} {meeting_at_time}")
    assert rendered == "torsdag 16 september 10:00"


@pytest.mark.parametrize(
    ("language", "longest"),
    [("sv", "torsdag 16 september"), ("en", "Wednesday 15 September"),
     ("ar", "الأربعاء 10 فبراير"), ("uk", "понеділок 15 листопада"),
     ("pl", "poniedziałek 11 października")],
)
def test_the_longest_date_per_language(language: str, longest: str) -> None:
    from babel.dates import format_date
    assert format_date(longest_date(language), "EEEE d MMMM", locale=language) == longest


def test_budget_problem_names_file_step_segments_encoding_language(tiny: dict) -> None:
    flow = Flow.model_validate(tiny)
    arabic = "ب" * 135  # 135 UTF-16 units: three UCS-2 parts of at most 67
    assert [str(p) for p in budget_problems(flow, "tiny.q", arabic, "ar")] == [
        "flows/tiny.yaml: step 'q': 3 SMS segments (UCS-2) in ar, budget 2"]
    assert budget_problems(flow, "tiny.q", "ب" * 134, "ar") == []
    assert [str(p) for p in budget_problems(flow, "tiny.q.reask", arabic, "fa", "x.yaml")] == [
        "x.yaml: step 'q': reask: 3 SMS segments (UCS-2) in fa, budget 2"]
    assert [str(p) for p in budget_problems(flow, "tiny.reask", arabic, "ckb")] == [
        "flows/tiny.yaml: reask: 3 SMS segments (UCS-2) in ckb, budget 2"]


def test_budgets_count_what_the_host_sends(tiny: dict) -> None:
    flow = Flow.model_validate(tiny)
    # curly quotes and a no-break space become GSM-7 before sending: 306 septets, 2 parts
    text = "\u2019" * 300 + "\u00a0" * 6
    assert budget_problems(flow, "tiny.q", text, "sv") == []


# The name of each language in its own script, repeated past two segments: the encoding
# follows the script (å ä ö ü are GSM-7; î ç and every non-Latin script are UCS-2).
ENCODINGS = {"sv": "GSM-7", "en": "GSM-7", "ar": "UCS-2", "so": "GSM-7", "ti": "UCS-2",
             "fa_AF": "UCS-2", "fa": "UCS-2", "ckb": "UCS-2", "ku": "UCS-2", "uk": "UCS-2",
             "tr": "UCS-2", "pl": "GSM-7", "am": "UCS-2", "ru": "UCS-2", "bs": "UCS-2"}


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_budget_problems_in_every_language(code: str, tiny: dict) -> None:
    flow = Flow.model_validate(tiny)
    name = LANGUAGES[code].native
    text = " ".join([name] * (320 // len(name)))
    (problem,) = budget_problems(flow, "tiny.bye", text, code)
    assert problem.step == "bye"
    assert problem.message.endswith(f"({ENCODINGS[code]}) in {code}, budget 2")
    assert budget_problems(flow, "tiny.bye", name, code) == []


def test_flows_check_enforces_the_swedish_source_at_its_worst_case(
        tmp_path: Path, tiny: dict) -> None:
    # 159 characters fit one SMS as written, but not with a 12-letter name for {name}
    tiny["steps"][1].update(text="Hej {name}! " + "Ja, tack. " * 14 + "Hej då.", segments=1)
    assert len(tiny["steps"][1]["text"]) == 159
    assert problems_of(tmp_path, tiny) == [
        "flows/tiny.yaml: step 'bye': 2 SMS segments (GSM-7) in sv, budget 1"]


def test_a_step_budget_allows_a_longer_text(tmp_path: Path, tiny: dict) -> None:
    tiny["steps"][1]["text"] = "Ja, tack. " * 40
    assert problems_of(tmp_path, tiny) == [
        "flows/tiny.yaml: step 'bye': 3 SMS segments (GSM-7) in sv, budget 2"]
    tiny["steps"][1]["segments"] = 3
    (tmp_path / "flows" / "tiny.yaml").write_text(yaml.safe_dump(tiny), encoding="utf-8")
    assert load_flow(tmp_path / "flows" / "tiny.yaml").step("bye").segments == 3


def test_flows_check_reports_lix_above_30(tmp_path: Path, tiny: dict) -> None:
    tiny["steps"][1]["text"] = "{case_manager} kontaktar dig."  # 3 + 100/3
    # with its choice lines: 8 words, 4 sentences, 3 long (Informationen, saknades,
    # Kontrollera): 2 + 37.5
    tiny["steps"][0]["reask"] = "Informationen saknades. Kontrollera svaret."
    assert problems_of(tmp_path, tiny) == [
        "flows/tiny.yaml: step 'q': reask: LIX 39.5, easy Swedish needs 30 or less",
        "flows/tiny.yaml: step 'bye': LIX 36.3, easy Swedish needs 30 or less",
    ]


def test_lix_covers_the_choice_lines_too(tmp_path: Path, tiny: dict) -> None:
    tiny["steps"][0]["choices"][0]["label"] = "Antagligen"
    tiny["steps"][0]["choices"][1]["label"] = "Kontakta {case_manager}"
    # 7 words, 4 sentences, 2 long (Antagligen, Kontakta; "Kommer" has six letters):
    # 1.75 + 28.57
    assert problems_of(tmp_path, tiny)[0] == (
        "flows/tiny.yaml: step 'q': LIX 30.3, easy Swedish needs 30 or less")
