"""Changing language: the set_language step, its effect, its checks and the shipped menu."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.engine import (
    AlertRaised,
    FlowRunError,
    LanguageChanged,
    OutMessage,
    reply,
    start,
    wake,
)
from bot.flows.budgets import client_messages
from bot.flows.loader import load_flow, load_library
from bot.flows.schema import Flow
from bot.i18n.languages import LANGUAGES
from bot.i18n.render import render
from tests.engine.conftest import NOW, PARAMS
from tests.flows.conftest import problems_of

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def menu_flow() -> Flow:
    return load_library(ROOT / "flows")["language"]


def test_menu_offers_every_language_in_registry_order_in_its_own_script(
        menu_flow: Flow) -> None:
    choices = menu_flow.step("menu").choices
    assert [(c.key, c.value, c.label) for c in choices[:-1]] == [
        (str(n), lang.code, lang.native) for n, lang in enumerate(LANGUAGES.values(), 1)]
    assert all(not c.translate for c in choices[:-1])
    assert (choices[-1].key, choices[-1].value) == ("16", "talk")


def test_the_welcome_flow_offers_the_same_menu(menu_flow: Flow) -> None:
    """The welcome flow repeats the menu (a flow cannot start another); they must agree."""
    welcome = load_library(ROOT / "flows")["welcome"]
    same = ("text", "segments", "save_as", "choices")
    assert welcome.step("menu").model_dump(include=set(same)) == \
        menu_flow.step("menu").model_dump(include=set(same))
    assert welcome.step("change").from_ == menu_flow.step("change").from_
    assert welcome.step("confirm_language").text == menu_flow.step("confirm").text


def test_language_names_are_never_sent_for_translation(menu_flow: Flow) -> None:
    keys = [key for key, _ in menu_flow.texts()]
    assert "language.menu" in keys and "language.menu.choice.16" in keys
    assert not any(key.startswith("language.menu.choice.") and key != "language.menu.choice.16"
                   for key in keys)


def test_the_menu_is_one_message_with_its_own_budget(menu_flow: Flow) -> None:
    (menu, reask, *_) = client_messages(menu_flow)
    assert (menu.key, menu.budget, reask.key, reask.budget) == (
        "language.menu", 5, "language.menu.reask", 5)
    turn = start(menu_flow, NOW, PARAMS)
    assert len(turn.of(OutMessage)) == 1
    assert turn.of(OutMessage)[0].parts[3].translate is False  # "3 العربية"
    assert turn.of(LanguageChanged) == []


@pytest.mark.parametrize(
    ("answer", "code"),
    [("1", "sv"), ("3", "ar"), ("\u0666", "fa_AF"), ("\u06f8", "ckb"), ("9", "ku"),
     ("\u0661\u0660", "uk"), ("\u06f1\u06f1", "tr"), ("12", "pl"), ("15", "bs"),
     ("English", "en"), ("\u0627\u0644\u0639\u0631\u0628\u064a\u0629", "ar"),
     ("\u1275\u130d\u122d\u129b", "ti"), ("somali", "so"), ("srpski", "bs"),
     ("\u0420\u0443\u0441\u0441\u043a\u0438\u0439", "ru"), ("kurmanci", "ku")],
)
def test_an_answer_changes_the_language_and_confirms_it(menu_flow: Flow, answer: str,
                                                        code: str) -> None:
    turn = reply(menu_flow, start(menu_flow, NOW, PARAMS).state, answer, NOW, PARAMS)
    assert turn.of(LanguageChanged) == [LanguageChanged(code)]
    (confirm,) = turn.of(OutMessage)
    assert confirm.key == "language.confirm"
    assert confirm.params == {"language": LANGUAGES[code].native}
    assert render(confirm.template, confirm.params) == (
        f"Klart! Nu skriver vi på {LANGUAGES[code].native}. Skriv SPRÅK om du vill byta.")
    assert turn.state.status == "completed"


@pytest.mark.parametrize("answer", ["16", "prata"])
def test_talking_to_a_person_changes_nothing(menu_flow: Flow, answer: str) -> None:
    turn = reply(menu_flow, start(menu_flow, NOW, PARAMS).state, answer, NOW, PARAMS)
    assert turn.of(LanguageChanged) == []
    assert [a.reason for a in turn.of(AlertRaised)] == ["call_me"]


def test_timeout_changes_nothing(menu_flow: Flow) -> None:
    state = start(menu_flow, NOW, PARAMS).state
    turn = wake(menu_flow, state, state.wake_at, PARAMS)
    assert (turn.of(LanguageChanged), turn.of(OutMessage), turn.state.status) == (
        [], [], "completed")


def _tiny_with_set_language(tiny: dict[str, Any], value: str = "ar") -> dict[str, Any]:
    tiny["steps"][0]["choices"][0].update(value=value, next="change")
    tiny["steps"].insert(1, {"id": "change", "kind": "set_language", "from": "coming",
                             "next": "bye"})
    tiny["steps"][2]["text"] = "Klart: {language}."
    return tiny


def test_set_language_step_reports_an_effect(tiny: dict) -> None:
    flow = Flow.model_validate(_tiny_with_set_language(tiny))
    turn = reply(flow, start(flow, NOW, PARAMS).state, "1", NOW, PARAMS)
    assert turn.of(LanguageChanged) == [LanguageChanged("ar")]
    (confirm,) = turn.of(OutMessage)
    assert render(confirm.template, confirm.params) == "Klart: العربية."
    # the change comes before the message that names it
    assert turn.events.index(turn.of(LanguageChanged)[0]) < turn.events.index(confirm)


def test_set_language_refuses_an_answer_that_is_no_language(tiny: dict) -> None:
    flow = Flow.model_validate(_tiny_with_set_language(tiny, value="arabic"))
    with pytest.raises(FlowRunError, match="'arabic', not a language code"):
        reply(flow, start(flow, NOW, PARAMS).state, "1", NOW, PARAMS)


def test_a_valid_set_language_flow_loads(tmp_path: Path, tiny: dict) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(_tiny_with_set_language(tiny), allow_unicode=True),
                    encoding="utf-8")
    assert load_flow(path).step("change").from_ == "coming"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["steps"][1].update({"from": "mood"}),
         "step 'change': set_language from unknown answer 'mood'"),
        (lambda f: f["steps"][0]["choices"][0].update(value="arabic"),
         "step 'q': choice 1 leads to set_language but its value 'arabic' is not a language "
         "code"),
        (lambda f: f["steps"][0]["choices"][0].update(value="ku_TR"),
         "step 'q': choice 1 leads to set_language but its value 'ku_TR' is not a language "
         "code"),
        (lambda f: f["steps"][1].update(next="change"),
         "step 'change': steps loop without an ask or wait: change -> change"),
    ],
)
def test_set_language_problems(tmp_path: Path, tiny: dict, change: Any, message: str) -> None:
    flow = _tiny_with_set_language(tiny)
    change(flow)
    assert problems_of(tmp_path, flow) == [f"flows/tiny.yaml: {message}"]


def test_language_placeholder_needs_a_set_language_step(tmp_path: Path, tiny: dict) -> None:
    tiny["steps"][1]["text"] = "Klart: {language}."
    assert problems_of(tmp_path, tiny) == [
        "flows/tiny.yaml: step 'bye': text uses undefined placeholder {language}"]


def test_a_sixteen_choice_menu_is_valid(tmp_path: Path, tiny: dict) -> None:
    choices = [{"key": n, "value": f"v{n}", "label": f"Val {n}", "next": "bye"}
               for n in range(1, 16)]
    choices.append({"key": 16, "value": "talk", "label": "Prata", "next": "bye"})
    tiny["steps"][0]["choices"] = choices
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(tiny), encoding="utf-8")
    flow = load_flow(path)
    assert [c.key for c in flow.step("q").choices][-3:] == ["14", "15", "16"]
    turn = reply(flow, start(flow, NOW, PARAMS).state, "\u0661\u0664", NOW, PARAMS)
    assert turn.state.answers["coming"]["value"] == "v14"
