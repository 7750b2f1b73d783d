"""`flask flows check` and `flask flows simulate`."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.cli.flows_cmd import flows_cli

FLOWS = Path(__file__).resolve().parents[2] / "flows"
MEETING = ["--param", "meeting_at=2025-03-12T10:00", "--now", "2025-03-11T09:00"]


@pytest.fixture
def runner() -> FlaskCliRunner:
    app = Flask(__name__)
    app.config["FLOWS_DIR"] = str(FLOWS)
    app.config["TRANSLATIONS_DIR"] = str(FLOWS.parent / "translations")
    app.cli.add_command(flows_cli)
    return app.test_cli_runner()


def test_check_passes_on_the_shipped_flows(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["flows", "check"])
    assert (result.exit_code, result.output) == (0, "OK: 16 flows\n")


def test_check_lists_problems_and_fails(runner: FlaskCliRunner, tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: [", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("- 1", encoding="utf-8")
    result = runner.invoke(args=["flows", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == "2 problems in 2 files"
    assert result.output.splitlines()[1].startswith(f"{tmp_path.name}/b.yaml: a flow file must")


def test_simulate_plays_the_meeting_reminder(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["flows", "simulate", "meeting_reminder", *MEETING,
                                 "--name", "Sara", "--case-manager", "Omar"], input="hmm\n3\n")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Hej Sara! Du har ett möte med Omar på onsdag 12 mars klockan 10:00. Kommer du?\n"
        "1 Ja, jag kommer\n2 Jag behöver en ny tid\n3 Jag behöver tolk\n"
        "4 Jag vill att Omar ringer mig\n\n"
        "du> hmm\n"
        "Jag förstod inte ditt svar. Svara med en siffra.\n"
        "1 Ja, jag kommer\n2 Jag behöver en ny tid\n3 Jag behöver tolk\n"
        "4 Jag vill att Omar ringer mig\n\n"
        "du> 3\n"
        "Tack för att du säger till. Omar hör av sig om tolk.\n\n"
        "[signal till handläggaren: interpreter (interpreter): Klienten behöver tolk på mötet.]\n"
        "[väntar till 2025-03-12 08:00]\n"
        "Hej Sara! Du har möte med Omar i dag klockan 10:00. Välkommen!\n\n"
        "[flödet är slut: completed]\n"
    )


def test_simulate_timeout_and_quit(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["flows", "simulate", "motivation", "--now",
                                 "2025-03-10T15:00"], input="/timeout\n")
    assert result.output.endswith("du> /timeout\n[flödet är slut: completed]\n")
    result = runner.invoke(args=["flows", "simulate", "help"], input="/quit\n")
    assert result.output.endswith("du> /quit\n[avslutat]\n")
    result = runner.invoke(args=["flows", "simulate", "help"], input="")
    assert result.output.endswith("[avslutat]\n")


def test_simulate_reports_bad_input(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["flows", "simulate", "meeting_reminder"])
    assert result.exit_code == 1
    assert "needs params: meeting_at" in result.output
    result = runner.invoke(args=["flows", "simulate", "meeting_reminder", "--param", "x"])
    assert result.exit_code == 2 and "expected KEY=VALUE" in result.output
    result = runner.invoke(args=["flows", "simulate", "nope"])
    assert result.exit_code == 1 and "cannot read file" in result.output


def test_check_holds_translations_to_the_same_sms_budget(runner: FlaskCliRunner,
                                                         tmp_path: Path) -> None:
    shipped = FLOWS.parent / "translations" / "ar" / "LC_MESSAGES" / "flows.po"
    target = tmp_path / "translations" / "ar" / "LC_MESSAGES" / "flows.po"
    target.parent.mkdir(parents=True)
    long_arabic = "شكرا جزيلا لك على ردك. " * 8
    text = shipped.read_text(encoding="utf-8")
    marker = 'msgctxt "system.received"\nmsgid "'
    start = text.index(marker)
    msgstr = text.index("msgstr ", start)
    end = text.index("\n\n", msgstr)
    target.write_text(text[:msgstr] + f'msgstr "{long_arabic}"' + text[end:], encoding="utf-8")
    result = runner.invoke(args=["flows", "check", "--translations",
                                 str(tmp_path / "translations")])
    assert result.exit_code == 1
    assert ("translations/ar/LC_MESSAGES/flows.po: step 'received': 3 SMS segments (UCS-2) "
            "in ar, budget 2") in result.output


def test_check_names_a_report_claimed_twice(runner: FlaskCliRunner, tmp_path: Path) -> None:
    for name in ("activity_checkin", "plan_step"):  # both say report: …, so copy one twice
        text = (FLOWS / "activity_checkin.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}.yaml").write_text(
            text.replace("id: activity_checkin", f"id: {name}", 1), encoding="utf-8")
    result = runner.invoke(args=["flows", "check", "--dir", str(tmp_path)])
    assert (result.exit_code, result.output) == (1, (
        f"{tmp_path.name}/plan_step.yaml: step 'attended': report 'attendance' is already "
        f"counted by {tmp_path.name}/activity_checkin.yaml step 'attended'; a report counts "
        "one question\n1 problems in 1 files\n"))
