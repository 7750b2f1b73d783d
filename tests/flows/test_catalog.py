"""The flow extractor: one catalog entry per client-facing text, with interpreter context."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.extract import extract

from bot.flows.catalog import build_catalog, extract_flows, sources
from bot.flows.loader import load_library
from bot.i18n.catalogs import parse_po, po_path
from bot.i18n.languages import LANGUAGES, SOURCE

ROOT = Path(__file__).resolve().parents[2]

VISIT = """\
id: visit
version: 1
title: Besök
description: >
  Frågar om klienten kommer
  på besöket.
params:
  visit_at: datetime
start: ask
expires_after: 1d
reask: "Svara med en siffra."
steps:
  - id: ask
    kind: ask
    text: "Hej {name}! Kommer du {visit_at_date} klockan {visit_at_time}?"
    segments: 3
    save_as: coming
    choices:
      - key: 1
        value: coming
        label: "Ja"
        words: [ja, yes]
        next: done
      - key: 2
        value: talk
        label: "Jag vill prata med {case_manager}"
        next: done
    timeout: 4h
    on_timeout: done
  - id: done
    kind: end
    text: "Tack!"
"""

PURPOSE = 'Flow "Besök" (visit): Frågar om klienten kommer på besöket.'
KEEP = "Keep each {…} exactly as it is; do not translate the word inside the braces."
BUDGET_3 = ("SMS budget: the whole message (question and answers) must fit in 3 SMS segments: "
            "201 characters in Arabic, Cyrillic, Ge'ez and other non-Latin scripts, 459 in "
            "plain Latin letters.")


def write_flows(folder: Path, text: str = VISIT) -> Path:
    """A flows folder holding the small `visit` flow used by the catalog tests."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "visit.yaml").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def flows_dir(tmp_path: Path) -> Path:
    return write_flows(tmp_path / "flows")


def test_catalog_has_every_text_keyed_by_msgctxt_with_its_yaml_line(flows_dir):
    entries = [(m.context, m.id, m.locations) for m in build_catalog(flows_dir) if m.id]
    assert entries == [
        ("visit.ask", "Hej {name}! Kommer du {visit_at_date} klockan {visit_at_time}?",
         [("flows/visit.yaml", 15)]),
        ("visit.ask.choice.1", "Ja", [("flows/visit.yaml", 21)]),
        ("visit.ask.choice.1.words", "ja, yes", [("flows/visit.yaml", 22)]),
        ("visit.ask.choice.2", "Jag vill prata med {case_manager}", [("flows/visit.yaml", 26)]),
        ("visit.done", "Tack!", [("flows/visit.yaml", 32)]),
        ("visit.reask", "Svara med en siffra.", [("flows/visit.yaml", 11)]),
    ]


def test_a_question_explains_purpose_recipient_placeholders_and_budget(flows_dir):
    message = build_catalog(flows_dir).get(
        "Hej {name}! Kommer du {visit_at_date} klockan {visit_at_time}?", "visit.ask")
    assert message.auto_comments == [
        PURPOSE,
        "Sent by SMS to the client. A question; its numbered answers (visit.ask.choice.1 to "
        "….choice.2) follow in the same SMS, one per line.",
        "{name} = the client's first name",
        '{visit_at_date} = a weekday and date, written in your language (e.g. "onsdag 12 mars")',
        '{visit_at_time} = a clock time (e.g. "10:00")',
        KEEP,
        BUDGET_3,
    ]


def test_a_choice_label_names_its_question_and_the_case_manager(flows_dir):
    message = build_catalog(flows_dir).get("Jag vill prata med {case_manager}",
                                           "visit.ask.choice.2")
    assert message.auto_comments == [
        PURPOSE,
        'Answer 2 to the question visit.ask. The SMS shows it on its own line after the '
        'digit: "2 …".',
        "{case_manager} = the case manager's first name",
        KEEP,
        BUDGET_3,
    ]


def test_reply_words_get_their_own_entry_and_no_budget(flows_dir):
    message = build_catalog(flows_dir).get("ja, yes", "visit.ask.choice.1.words")
    assert message.auto_comments == [
        PURPOSE,
        "Words a client may write instead of the digit 1, comma-separated. They are added to "
        'the Swedish and English words. (Answer 1 is "Ja".)',
    ]


def test_a_step_without_segments_has_the_default_budget_of_two(flows_dir):
    message = build_catalog(flows_dir).get("Tack!", "visit.done")
    assert message.auto_comments == [
        PURPOSE, "Sent by SMS to the client.",
        "SMS budget: the message must fit in 2 SMS segments: 134 characters in Arabic, "
        "Cyrillic, Ge'ez and other non-Latin scripts, 306 in plain Latin letters.",
    ]


def test_a_choice_without_words_has_no_words_entry(flows_dir):
    contexts = {m.context for m in build_catalog(flows_dir)}
    assert "visit.ask.choice.2.words" not in contexts


def test_sources_cover_texts_and_words(flows_dir):
    assert sources(load_library(flows_dir).values()) == {
        m.context: m.id for m in build_catalog(flows_dir) if m.id}


def test_babel_extraction_method_gives_msgctxt_through_pgettext():
    found = list(extract(extract_flows, BytesIO(VISIT.encode("utf-8"))))
    assert [(line, message, context) for line, message, _, context in found] == [
        (15, "Hej {name}! Kommer du {visit_at_date} klockan {visit_at_time}?", "visit.ask"),
        (21, "Ja", "visit.ask.choice.1"),
        (22, "ja, yes", "visit.ask.choice.1.words"),
        (26, "Jag vill prata med {case_manager}", "visit.ask.choice.2"),
        (32, "Tack!", "visit.done"),
        (11, "Svara med en siffra.", "visit.reask"),
    ]
    assert found[0][2][-1] == BUDGET_3


def test_the_shipped_template_and_catalogs_match_the_flows():
    """After editing flows, run `flask --app bot translations extract`."""
    expected = [(m.context, m.id) for m in build_catalog(ROOT / "flows") if m.id]
    pot = parse_po((ROOT / "translations" / "flows.pot").read_bytes(), "flows.pot")
    assert [(e.context, e.msgid) for e in pot.entries] == expected
    for code in LANGUAGES:
        if code != SOURCE:
            path = po_path(ROOT / "translations", code)
            po = parse_po(path.read_bytes(), str(path))
            assert [(e.context, e.msgid) for e in po.entries if not e.obsolete] == expected
