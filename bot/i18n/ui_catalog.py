"""The staff app's own texts: extracted from bot/web and bot/templates into
translations/messages.pot, merged into translations/<lang>/LC_MESSAGES/messages.po.

The source language of the staff app is Swedish; English is the one translation.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "N_": None}
METHODS = [("bot/web/**.py", "python"), ("bot/templates/**.html", "jinja2")]
OPTIONS = {"bot/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
UI_TRANSLATIONS = ("en",)


def extract(root: Path = ROOT) -> Catalog:
    catalog = Catalog(project="Knuff staff app", msgid_bugs_address="", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            root, METHODS, OPTIONS, KEYWORDS, comment_tags=("Translators:",),
            strip_comment_tags=True):
        if filename.startswith("templates/simulator") or "simulator" in filename:
            continue  # the developer simulator is not part of the staff app
        catalog.add(message, None, [(f"bot/{filename}" if not filename.startswith("bot/")
                                     else filename, lineno)],
                    auto_comments=comments, context=context)
    return catalog


def update(translations_dir: Path, root: Path = ROOT) -> dict[str, int]:
    """Write messages.pot and merge it into each messages.po; returns untranslated counts."""
    template = extract(root)
    with (translations_dir / "messages.pot").open("wb") as fh:
        write_po(fh, template, omit_header=False, sort_output=True, width=100)
    missing: dict[str, int] = {}
    for lang in UI_TRANSLATIONS:
        path = translations_dir / lang / "LC_MESSAGES" / "messages.po"
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="Knuff staff app")
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        with path.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, width=100, include_previous=False)
        missing[lang] = sum(1 for m in catalog if m.id and not m.string)
    return missing
