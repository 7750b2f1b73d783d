"""Guardrails on what clients read (DOMAIN.md): one broken flow per kind of problem,
the shipped library passing, translations held to their language's list, and a
guardrails.yaml that is itself broken reported with its line."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskCliRunner

from bot.cli.flows_cmd import flows_cli
from bot.flows.guardrails import SHIPPED, find, text_problems
from bot.flows.loader import FlowError, check_library, load_flow, load_guardrails, load_library
from bot.flows.schema import Flow
from tests.flows.conftest import problems_of

ROOT = Path(__file__).resolve().parents[2]
ASSISTANCE = "Knuff never mentions financial assistance or benefits"
SANCTIONS = "Knuff never mentions sanctions or reduced assistance; a person decides"
PRESSURE = "pressure; encourage, never demand"
THREAT = "a threat; Knuff never threatens"
JUDGING = "a person decides; Knuff never judges an answer or calls it a failure"
HEALTH = "health details are never asked about by SMS; a category like 'Sjuk' is enough"
VIOLENCE = "violence is never asked about by SMS"
SUBSTANCES = "substance use is never asked about by SMS"
MONEY = "money problems are never asked about by SMS; the category 'Pengar' is enough"
FREE_TEXT = ("free-text ask comes before any numbered question, so it must say how to skip "
             'it or reach a person (a phrase from free_text_ways_out, e.g. '
             '"låta bli att svara")')
NEVER_ENDS = ("the conversation can never end after this step "
              "(no path to an end step or an empty next)")


def _q(**fields: Any) -> Any:
    return lambda f: f["steps"][0].update(fields)


def _label(key: int, label: str) -> Any:
    return lambda f: f["steps"][0]["choices"][key - 1].update(label=label)


def _free_text_start(text: str) -> Any:
    def change(f: dict) -> None:
        f["start"] = "open"
        f["steps"].insert(0, {"id": "open", "kind": "ask", "text": text, "save_as": "said",
                              "free_text": True, "next": "q", "timeout": "1d",
                              "on_timeout": "q"})
    return change


def _all_choices_back() -> Any:
    def change(f: dict) -> None:
        q = f["steps"][0]
        q.update(on_timeout="q", on_other="q")
        for choice in q["choices"]:
            choice["next"] = "q"
        f["steps"][1] = {"id": "bye", "kind": "send", "text": "Hej!", "next": "q"}
        q["choices"][0]["next"] = "bye"
    return change


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        # 1. Forbidden phrases, in every kind of client text, inflected and in any case.
        (_q(text="Hej {name}! Du måste komma. Kommer du?"),
         [f"step 'q': text: forbidden phrase \"Du måste\" ({PRESSURE})"]),
        (_q(text="Hej {name}! I dag måste du komma. Kommer du?"),
         [f"step 'q': text: forbidden phrase \"måste du\" ({PRESSURE})"]),
        (lambda f: f["steps"][1].update(text="Kom i tid, annars blir det sanktioner."),
         [f"step 'bye': text: forbidden phrase \"annars\" ({PRESSURE})",
          f"step 'bye': text: forbidden phrase \"sanktioner\" ({SANCTIONS})"]),
        (_label(1, "Ja, jag vill ha ekonomiskt bistånd"),
         [f"step 'q': choice 1 label: forbidden phrase \"ekonomiskt bistånd\" ({ASSISTANCE})"]),
        (_q(reask="Svara nu. Ditt försörjningsstöd kan sänkas."),
         [f"step 'q': reask: forbidden phrase \"försörjningsstöd\" ({ASSISTANCE})",
          f"step 'q': reask: forbidden phrase \"sänkas\" ({SANCTIONS})"]),
        (lambda f: f.update(reask="Svara med en siffra, annars ringer vi polisen."),
         [f"reask: forbidden phrase \"annars\" ({PRESSURE})",
          f"reask: forbidden phrase \"polisen\" ({THREAT})"]),
        (lambda f: f["steps"][1].update(text="Tack! Det är ogiltigt."),
         [f"step 'bye': text: forbidden phrase \"ogiltigt\" ({JUDGING})"]),
        # 2. Sensitive questions: ask texts, re-asks and answer labels.
        (_q(text="Hej {name}! Har du skulder hos Kronofogden?"),
         [f"step 'q': text: sensitive question about \"skulder\" ({MONEY})",
          f"step 'q': text: sensitive question about \"Kronofogden\" ({MONEY})"]),
        (_label(1, "Alkohol eller droger"),
         [f"step 'q': choice 1 label: sensitive question about \"Alkohol\" ({SUBSTANCES})",
          f"step 'q': choice 1 label: sensitive question about \"droger\" ({SUBSTANCES})"]),
        (_q(reask="Tar du din medicin? Svara med en siffra."),
         [f"step 'q': reask: sensitive question about \"medicin\" ({HEALTH})"]),
        (_q(text="Hej {name}! Finns det våld hemma?"),
         [f"step 'q': text: sensitive question about \"våld\" ({VIOLENCE})"]),
        # 3. One question per message (choice labels are not messages of their own).
        (_q(text="Hej {name}! Kommer du? Behöver du tolk?"),
         ["step 'q': text asks 2 questions (one question per message)"]),
        (lambda f: f["steps"][1].update(text="Tack! Vill du mer? Ring oss?"),
         ["step 'bye': text asks 2 questions (one question per message)"]),
        (_q(reask="Förstod du? Vad menar du? Svara med en siffra."),
         ["step 'q': reask asks 2 questions (one question per message)"]),
        # 4. A free-text question before any numbered one must offer a way out.
        (_free_text_start("Hej {name}! Hur mår du i dag? Skriv några ord."),
         [f"step 'open': {FREE_TEXT}"]),
        # 5. Every question or wait has some path to the end.
        (_all_choices_back(), [f"step 'q': {NEVER_ENDS}"]),
    ],
)
def test_guardrail_problems(tmp_path: Path, tiny: dict, change: Any,
                            messages: list[str]) -> None:
    change(tiny)
    assert problems_of(tmp_path, tiny) == [f"flows/tiny.yaml: {m}" for m in messages]


@pytest.mark.parametrize(
    "change",
    [
        _q(text="Hej {name}! Du måste inte svara. Kommer du?"),  # allowed: not a demand
        _q(text="Hej {name}! Ska du ha tolk?"),
        _label(1, "Jag måste byta tid"),  # the client's voice
        _label(1, "Sjuk"), _label(1, "Besök i vården"), _label(1, "Hälsa"),
        _label(1, "Pengar"),  # categories DOMAIN.md asks for
        _label(1, "Är det okej?"),  # labels are lines of the message, not messages
        lambda f: f["steps"][1].update(text="Tack! Ta hand om din hälsa."),
        _free_text_start("Hej {name}! Skriv några ord. Du kan också låta bli att svara."),
        # a free-text question after a numbered one (which offered a person) is fine
        lambda f: (f["steps"][0]["choices"][0].update(next="say"), f["steps"].append(
            {"id": "say", "kind": "ask", "text": "Vad vill du säga?", "save_as": "said",
             "free_text": True, "next": "bye", "timeout": "1d", "on_timeout": "bye"})),
    ],
)
def test_kind_texts_pass(tmp_path: Path, tiny: dict, change: Any) -> None:
    change(tiny)
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny, allow_unicode=True),
                                        encoding="utf-8")
    load_flow(tmp_path / "tiny.yaml")


def test_shipped_library_keeps_the_guardrails() -> None:
    assert check_library(ROOT / "flows") == []
    guardrails, problems = load_guardrails(ROOT / "flows")
    assert problems == [] and guardrails is not None
    assert {"sv", "en"} <= set(guardrails.forbidden) and {"sv", "en"} <= set(guardrails.sensitive)


@pytest.mark.parametrize(
    ("language", "text", "found"),
    [
        ("sv", "Ekonomiskt bistånd och biståndsbeslutet", ["Ekonomiskt bistånd",
                                                           "biståndsbeslutet"]),
        ("sv", "Ditt försörjningsstöd kan dras in eller minskas.",
         ["försörjningsstöd", "dras in", "minskas"]),
        ("sv", "Du är skyldig att komma. Det är ett krav.", ["skyldig", "krav"]),
        ("sv", "Annars blir du avstängd.", ["Annars", "avstängd"]),
        ("sv", "Du ska komma i morgon.", ["Du ska"]),
        ("sv", "Om du ska byta tid, ring. Du ska få svar.", []),
        ("sv", "Jag har fått en plånbok.", []),
        ("en", "You must come, otherwise your welfare benefit is cut.",
         ["You must", "otherwise", "welfare", "cut"]),
        ("en", "We may reduce your social assistance. This is a sanction.",
         ["reduce", "social assistance", "sanction"]),
        ("en", "Thank you! You can reply with a number.", []),
    ],
)
def test_shipped_forbidden_list(language: str, text: str, found: list[str]) -> None:
    guardrails, _ = load_guardrails(ROOT / "flows")
    assert guardrails is not None
    assert [words for words, _ in find(guardrails.forbidden[language], text)] == found


@pytest.mark.parametrize(
    ("language", "text", "found"),
    [
        ("sv", "Har du hyresskulder eller snabblån?", ["hyresskulder", "snabblån"]),
        ("sv", "Tar du medicin för din sjukdom?", ["medicin", "sjukdom"]),
        ("sv", "Dricker du alkohol? Blir du misshandlad?", ["alkohol", "misshandlad"]),
        ("sv", "Sjuk. Besök i vården. Hälsa. Pengar. Boende.", []),
        ("en", "Do you have debts or a loan? Any violence at home?",
         ["debts", "loan", "violence"]),
        ("en", "Sick. Healthcare visit. Health. Money.", []),
    ],
)
def test_shipped_sensitive_list(language: str, text: str, found: list[str]) -> None:
    guardrails, _ = load_guardrails(ROOT / "flows")
    assert guardrails is not None
    assert [words for words, _ in find(guardrails.sensitive[language], text)] == found


@pytest.fixture
def tiny_flow(tiny: dict) -> Flow:
    return Flow.model_validate(tiny)


def test_translations_are_held_to_their_languages_lists(tiny_flow: Flow) -> None:
    guardrails, _ = load_guardrails(ROOT / "flows")
    assert guardrails is not None
    texts = {"tiny.q": "Hi {name}! You must come. Are you coming?",
             "tiny.q.choice.1": "Yes, and my debts",
             "tiny.bye": "Thanks!", "tiny.reask": "Answer with a number, otherwise…"}
    file = "translations/en/LC_MESSAGES/flows.po"
    assert [str(p) for p in text_problems(tiny_flow, file, guardrails, "en", texts)] == [
        f"{file}: step 'q': text in en: forbidden phrase \"You must\" ({PRESSURE})",
        f"{file}: step 'q': choice 1 label in en: sensitive question about \"debts\" ({MONEY})",
        f"{file}: reask in en: forbidden phrase \"otherwise\" ({PRESSURE})",
    ]


def test_every_language_asks_one_question_per_message(tiny_flow: Flow) -> None:
    guardrails, _ = load_guardrails(ROOT / "flows")
    assert guardrails is not None
    texts = {"tiny.q": "مرحبا {name}! هل ستأتي؟ هل تحتاج مترجما؟"}
    file = "translations/ar/LC_MESSAGES/flows.po"
    assert [str(p) for p in text_problems(tiny_flow, file, guardrails, "ar", texts)] == [
        f"{file}: step 'q': text in ar asks 2 questions (one question per message)"]


def _guardrails_problems(tmp_path: Path, text: str) -> list[str]:
    folder = tmp_path / "flows"
    folder.mkdir(exist_ok=True)
    (folder / "guardrails.yaml").write_text(text, encoding="utf-8")
    guardrails, problems = load_guardrails(folder)
    assert guardrails is None
    return [str(p) for p in problems]


GOOD_REST = "sensitive: []\nfree_text_ways_out: {sv: [hoppa över]}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("forbidden: [\n", "YAML error at line 2, column 1: expected the node content, "
                           "but found '<stream end>'"),
        ("forbidden: []\nforbidden: []\n", "YAML error at line 2, column 1: "
                                           "duplicate key 'forbidden'"),
        ("", "line 1: guardrails must be a mapping with forbidden, sensitive, "
             "free_text_ways_out"),
        ("- du måste\n", "line 1: guardrails must be a mapping with forbidden, sensitive, "
                         "free_text_ways_out"),
        ("sensitive: []\nfree_text_ways_out: {sv: [x]}\n", "line 1: missing 'forbidden'"),
        ("forbidden: []\nforbiden: []\n" + GOOD_REST,
         "line 2: unknown key 'forbiden' (expected forbidden, sensitive, free_text_ways_out)"),
        ("forbidden: {sv: [krav]}\n" + GOOD_REST,
         "line 1: forbidden must be a list of groups, each with a reason and phrases per "
         "language"),
        ("forbidden:\n  - sv: [krav]\n" + GOOD_REST, "line 2: a forbidden group needs a reason"),
        ("forbidden:\n  - reason: tryck\n" + GOOD_REST,
         "line 2: a forbidden group needs phrases for at least one language"),
        ("forbidden:\n  - reason: tryck\n    se: [krav]\n" + GOOD_REST,
         "line 3: unknown language 'se' (expected a code such as sv, en, ar)"),
        ("forbidden:\n  - reason: tryck\n    sv: krav\n" + GOOD_REST,
         "line 3: forbidden sv must be a list of phrases"),
        ("forbidden:\n  - reason: tryck\n    sv: [krav, '*']\n" + GOOD_REST,
         "line 3: phrase '*': '*' only stands for the start or end of a word, next to letters"),
        ("forbidden:\n  - reason: tryck\n    sv: [krav]\n    allow: [krav inte]\n" + GOOD_REST,
         "line 4: allow must map language codes to phrases"),
        ("forbidden: []\nsensitive: []\nfree_text_ways_out: {en: [skip]}\n",
         "line 3: free_text_ways_out needs sv phrases"),
    ],
)
def test_broken_guardrails_file_names_file_and_line(tmp_path: Path, text: str,
                                                    message: str) -> None:
    assert _guardrails_problems(tmp_path, text) == [f"flows/guardrails.yaml: {message}"]


def test_broken_guardrails_stop_every_flow_from_loading(tmp_path: Path, tiny: dict) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "guardrails.yaml").write_text("forbidden: [\n", encoding="utf-8")
    (folder / "tiny.yaml").write_text(yaml.safe_dump(tiny), encoding="utf-8")
    expected = ["flows/guardrails.yaml: YAML error at line 2, column 1: expected the node "
                "content, but found '<stream end>'"]
    with pytest.raises(FlowError) as caught:
        load_flow(folder / "tiny.yaml")
    assert [str(p) for p in caught.value.problems] == expected
    assert [str(p) for p in check_library(folder)] == expected


def test_a_folders_own_list_replaces_the_shipped_one(tmp_path: Path, tiny: dict) -> None:
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "guardrails.yaml").write_text(
        "forbidden:\n  - reason: local word\n    sv: [Kommer]\n"
        "sensitive: []\nfree_text_ways_out: {sv: [hoppa över]}\n", encoding="utf-8")
    (folder / "tiny.yaml").write_text(yaml.safe_dump(tiny), encoding="utf-8")
    assert [str(p) for p in check_library(folder)] == [
        "flows/tiny.yaml: step 'q': text: forbidden phrase \"Kommer\" (local word)"]
    assert SHIPPED.exists()


@pytest.fixture
def runner() -> FlaskCliRunner:
    app = Flask(__name__)
    app.config["FLOWS_DIR"] = str(ROOT / "flows")
    app.config["TRANSLATIONS_DIR"] = str(ROOT / "translations")
    app.cli.add_command(flows_cli)
    return app.test_cli_runner()


def test_check_command_fails_on_a_broken_flow(runner: FlaskCliRunner, tmp_path: Path,
                                              tiny: dict) -> None:
    tiny["steps"][0]["text"] = "Hej {name}! Du måste komma. Kommer du?"
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny, allow_unicode=True),
                                        encoding="utf-8")
    result = runner.invoke(args=["flows", "check", "--dir", str(tmp_path)])
    assert (result.exit_code, result.output) == (1, (
        f"{tmp_path.name}/tiny.yaml: step 'q': text: forbidden phrase \"Du måste\" "
        f"({PRESSURE})\n1 problems in 1 files\n"))


def test_check_command_reports_a_broken_guardrails_file(runner: FlaskCliRunner,
                                                        tmp_path: Path, tiny: dict) -> None:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny), encoding="utf-8")
    (tmp_path / "guardrails.yaml").write_text("forbidden:\n  - sv: [krav]\n" + GOOD_REST,
                                              encoding="utf-8")
    result = runner.invoke(args=["flows", "check", "--dir", str(tmp_path)])
    assert (result.exit_code, result.output) == (1, (
        f"{tmp_path.name}/guardrails.yaml: line 2: a forbidden group needs a reason\n"
        "1 problems in 1 files\n"))


def test_check_command_holds_translations_to_the_guardrails(runner: FlaskCliRunner,
                                                            tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    shutil.copytree(ROOT / "flows", flows)
    target = tmp_path / "translations" / "en" / "LC_MESSAGES" / "flows.po"
    target.parent.mkdir(parents=True)
    flow = load_library(flows)["system"]
    source = flow.step("interpreter").text
    target.write_text(
        'msgid ""\nmsgstr ""\n"Language: en\\n"\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        f'msgctxt "system.interpreter"\nmsgid "{source}"\n'
        'msgstr "Thanks! You must tell {case_manager} about your debts."\n',
        encoding="utf-8")
    result = runner.invoke(args=["flows", "check", "--dir", str(flows), "--translations",
                                 str(tmp_path / "translations")])
    assert (result.exit_code, result.output) == (1, (
        "translations/en/LC_MESSAGES/flows.po: step 'interpreter': text in en: "
        f"forbidden phrase \"You must\" ({PRESSURE})\n1 problems in 1 files\n"))
