"""Every staff-app text has an English translation, and the English really shows."""

from __future__ import annotations

from pathlib import Path

from bot.i18n.ui_catalog import ROOT, extract
from bot.web.ui_i18n import load_catalog

PO = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def test_every_staff_app_text_has_an_english_translation():
    english = load_catalog(PO)
    missing = [(m.id, m.locations[0]) for m in extract()
               if m.id and (m.id[0] if isinstance(m.id, tuple) else m.id) not in english]
    assert not missing, (
        "texts without English (run `flask --app bot translations ui-extract`, then fill "
        f"in translations/en/LC_MESSAGES/messages.po): {missing}")


def test_placeholders_survive_translation():
    english = load_catalog(PO)
    import re

    names = re.compile(r"%\((\w+)\)[sd]")
    for source, text in english.items():
        texts = text if isinstance(text, tuple) else (text,)
        for t in texts:
            assert set(names.findall(t)) == set(names.findall(source)), source


def test_fuzzy_and_empty_entries_are_not_used(tmp_path: Path):
    po = tmp_path / "messages.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  '#, fuzzy\nmsgid "Klienter"\nmsgstr "Clients"\n\n'
                  'msgid "Spara"\nmsgstr ""\n\nmsgid "Logga in"\nmsgstr "Log in"\n',
                  encoding="utf-8")
    assert load_catalog(po) == {"Logga in": "Log in"}
