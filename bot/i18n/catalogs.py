"""Flow catalogs per language: check an edited PO file, merge, write.

`translations/<lang>/LC_MESSAGES/flows.po` is the exchange format with interpreters.
Reading is `bot.i18n.pofile` (strict, with line numbers); `check_po` refuses what must not
be imported; `language_catalog` merges known translations into the template (a changed
Swedish text keeps the translation, marked fuzzy with the old text as `#| msgid`);
writing goes through Babel's `write_po`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import normalize
from babel.messages.pofile import write_po as babel_write_po

from bot.i18n.languages import SOURCE, Language, language
from bot.i18n.pofile import PoError, PoFile, PoProblem, parse_po
from bot.i18n.render import has_stray_brace, placeholders

__all__ = ["Known", "PoError", "PoFile", "PoProblem", "check_po", "known_from_po",
           "language_catalog", "parse_po", "po_language", "update_po_files", "write_po"]

PROJECT = "Knuff flows"  # the Project-Id-Version of the template and every language's file

DRAFT_NOTICE = """\
# Knuff flow texts in {english} ({code}): {native}.
# Entries marked fuzzy ("Needs work" in Poedit) are drafts. Drafts are NOT approved:
# Knuff never sends them to clients until an interpreter approves them. Approvals are
# recorded in Knuff's database (`flask --app bot translations import FILE --approve
# --by NAME`, or the review pages), not by editing this file."""

_ENGLISH = {"fa_AF": "Dari", "ku": "Kurmanji Kurdish", "ckb": "Sorani Kurdish",
            "bs": "Bosnian/Croatian/Serbian"}
_VOLATILE = re.compile(r'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*$',
                       re.MULTILINE)


@dataclass(frozen=True)
class Known:
    """A translation known for a key, to merge into a fresh catalog."""

    msgid: str  # the Swedish text it was made for
    msgstr: str
    fuzzy: bool
    previous: str | None = None
    notes: tuple[str, ...] = ()


def po_language(po: PoFile, wanted: str | None = None) -> Language:
    """The file's language: `wanted` if given (the header must agree), else the header."""
    header, line = po.headers.get("Language", ""), po.header_lines.get("Language", 1)
    try:
        found = language(header) if header else None
    except ValueError:
        raise PoError([PoProblem(po.name, line, f"unknown Language {header!r}")]) from None
    chosen = language(wanted) if wanted else found
    if chosen is None:
        raise PoError([PoProblem(po.name, line, "no Language header; give the language")])
    if found is not None and found.code != chosen.code:
        raise PoError([PoProblem(po.name, line, f"the Language header says {found.code!r} "
                                                f"but this import is for {chosen.code!r}")])
    if chosen.code == SOURCE:
        raise PoError([PoProblem(po.name, line, "Swedish is the source language")])
    return chosen


def check_po(po: PoFile, sources: Mapping[str, str]) -> list[PoProblem]:
    """Problems that stop an import: unknown or duplicate keys, placeholders that differ
    between msgid and msgstr, stray braces, newlines msgfmt would refuse."""
    problems: list[PoProblem] = []
    first: dict[str, int] = {}
    for entry in (e for e in po.entries if not e.obsolete):
        def say(line: int, message: str) -> None:
            problems.append(PoProblem(po.name, line, message))

        key, msgid, msgstr = entry.context, entry.msgid or "", entry.msgstr or ""
        if not key:
            say(entry.line, f"no msgctxt for msgid {msgid[:40]!r} (Knuff needs the text's key)")
        elif key in first:
            say(entry.line, f"msgctxt {key!r} again (first at line {first[key]})")
        elif key not in sources:
            say(entry.line, f"unknown msgctxt {key!r}: no flow has this text")
        first.setdefault(key or "", entry.line)
        if not key or not msgstr:
            continue
        want, got = placeholders(msgid), placeholders(msgstr)
        if missing := [f"{{{name}}}" for name in want if name not in got]:
            say(entry.msgstr_line, f"{key}: the translation lacks {', '.join(missing)}")
        if invented := [f"{{{name}}}" for name in got if name not in want]:
            say(entry.msgstr_line, f"{key}: the translation has {', '.join(invented)}, "
                                   "which the Swedish text does not have")
        if has_stray_brace(msgstr):
            say(entry.msgstr_line, f"{key}: the translation has a stray '{{' or '}}'")
        if (msgid.startswith("\n"), msgid.endswith("\n")) != \
                (msgstr.startswith("\n"), msgstr.endswith("\n")):
            say(entry.msgstr_line, f"{key}: begin and end with a newline exactly where the "
                                   "Swedish text does")
    return problems


def known_from_po(po: PoFile) -> dict[str, Known]:
    """Key -> translation in a PO file (non-obsolete entries win over obsolete ones)."""
    found: dict[str, Known] = {}
    for entry in sorted(po.entries, key=lambda e: not e.obsolete):
        if entry.context and entry.msgstr:
            found[entry.context] = Known(entry.msgid or "", entry.msgstr, entry.fuzzy,
                                         entry.previous_msgid, tuple(entry.notes))
    return found


def plural_header(language: Language) -> str:
    """`Plural-Forms` from the language registry, never Babel's guess for the code."""
    return language.plural_header


def language_catalog(template: Catalog, language: Language, known: Mapping[str, Known],
                     *, now: datetime | None = None) -> Catalog:
    """The template in one language: known translations kept; a translation made for a
    different Swedish text is kept but marked fuzzy with that text as `#| msgid`."""
    catalog = Catalog(
        locale=language.code, project=PROJECT, version="1", charset="utf-8", fuzzy=False,
        header_comment=DRAFT_NOTICE.format(english=catalog_english(language),
                                           code=language.code, native=language.native),
        msgid_bugs_address="", last_translator="Knuff",
        language_team=f"{catalog_english(language)} ({language.code})",
        creation_date=template.creation_date, revision_date=now or datetime.now(UTC))
    catalog.mime_headers = [("Plural-Forms", plural_header(language))]
    for message in template:
        if not message.id:
            continue
        have = known.get(message.context or "")
        string, fuzzy, previous = "", False, None
        if have is not None and have.msgstr:
            string, fuzzy = have.msgstr, have.fuzzy or have.msgid != message.id
            previous = have.msgid if have.msgid != message.id else \
                (have.previous if have.fuzzy else None)
        catalog.add(message.id, string, context=message.context,
                    auto_comments=message.auto_comments, locations=message.locations,
                    user_comments=list(have.notes) if have else [],
                    flags=["fuzzy"] if fuzzy else [], previous_id=previous)
    contexts = {message.context for message in template}
    for key, have in known.items():  # texts no flow has any more: kept as `#~` entries
        if key not in contexts:
            catalog.obsolete[(have.msgid, key)] = Message(
                have.msgid, have.msgstr, context=key, flags=["fuzzy"] if have.fuzzy else [])
    return catalog


def catalog_english(language: Language) -> str:
    """The language's English name for interpreters (Babel's, where it is specific)."""
    return _ENGLISH.get(language.code) or Locale.parse(language.code).english_name or ""


def render_po(catalog: Catalog) -> bytes:
    """A catalog as PO (or POT) bytes, with `#| msgid` for changed sources.

    Babel writes a long previous msgid as one wrapped comment that no PO reader accepts
    (`#| msgid "" "Tack …`), so the `#|` lines are written here, quoted like a msgid.
    """
    out = BytesIO()
    babel_write_po(out, catalog, width=88, include_previous=False)
    text = out.getvalue().decode("utf-8")
    for message in catalog:
        if message.previous_id and message.context:  # Babel keeps it as a list
            context = f"\nmsgctxt {normalize(message.context, width=0)}\n"
            text = text.replace(context, "\n" + _previous_lines(message.previous_id[0])
                                + context[1:], 1)
    return text.encode("utf-8")


def _previous_lines(previous: str) -> str:
    """`#| msgid …` lines for a previous source text, wrapped like a msgid."""
    first, *rest = normalize(previous, width=85).splitlines()
    return "".join(f"#| {line}\n" for line in [f"msgid {first}", *rest])


def write_po(path: Path, catalog: Catalog) -> bool:
    """Write a catalog unless only its dates would change; True when the file changed."""
    data = render_po(catalog)
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if _VOLATILE.sub("", old) == _VOLATILE.sub("", data.decode("utf-8")):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def po_path(translations_dir: Path, code: str) -> Path:
    """Where a language's flow catalog lives: `<dir>/<code>/LC_MESSAGES/flows.po`."""
    return translations_dir / code / "LC_MESSAGES" / "flows.po"


def update_po_files(template: Catalog, translations_dir: Path,
                    languages: list[Language]) -> list[Path]:
    """Bring every language's PO file in line with the template; return the changed files.

    Existing translations are kept (fuzzy when their Swedish text changed); a file that
    does not exist yet is created with empty translations.
    """
    changed = []
    for lang in languages:
        path = po_path(translations_dir, lang.code)
        known = known_from_po(parse_po(path.read_bytes(), str(path))) if path.exists() else {}
        if write_po(path, language_catalog(template, lang, known)):
            changed.append(path)
    return changed


def drafts_only(known: dict[str, Known]) -> dict[str, Known]:
    """The same translations, all marked fuzzy: approval lives in the database only."""
    return {key: replace(have, fuzzy=True) for key, have in known.items()}
