"""PO files: strict reading with line numbers, import checks, merge, headers, msgfmt."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot.flows.catalog import build_catalog, sources
from bot.flows.loader import load_library
from bot.i18n.catalogs import (
    Known,
    PoError,
    check_po,
    known_from_po,
    language_catalog,
    parse_po,
    po_language,
    po_path,
    render_po,
    update_po_files,
    write_po,
)
from bot.i18n.languages import LANGUAGES, SOURCE
from tests.flows.test_catalog import VISIT, write_flows

ROOT = Path(__file__).resolve().parents[2]
TARGETS = [code for code in LANGUAGES if code != SOURCE]
SOURCES = {"visit.done": "Tack!", "visit.ask.choice.2": "Jag vill prata med {case_manager}"}

GOOD = """\
msgid ""
msgstr ""
"Language: ar\\n"
"Content-Type: text/plain; charset=UTF-8\\n"

#, fuzzy
msgctxt "visit.done"
msgid "Tack!"
msgstr "شكرا!"
"""


def msgfmt_check(path: Path) -> None:
    """GNU msgfmt --check must accept the file without a single warning."""
    exe = shutil.which("msgfmt")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt is missing in CI: `make test` installs gettext")
        pytest.skip("msgfmt (GNU gettext) is not installed")
    result = subprocess.run([exe, "--check", "-o", os.devnull, str(path)],
                            capture_output=True, text=True, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr


@pytest.fixture
def template(tmp_path) -> Catalog:
    return build_catalog(write_flows(tmp_path / "flows"))


def replace_line(text: str, number: int, new: str | None) -> str:
    lines = text.splitlines()
    lines[number - 1:number] = [] if new is None else [new]
    return "\n".join(lines) + "\n"


def test_a_good_file_is_read_with_flags_and_lines():
    po = parse_po(GOOD, "ar.po")
    [entry] = po.entries
    assert (entry.context, entry.msgid, entry.msgstr, entry.fuzzy) == (
        "visit.done", "Tack!", "شكرا!", True)
    assert (entry.line, entry.msgstr_line) == (7, 9)
    assert po.headers["Language"] == "ar"
    assert po.header_lines == {"Language": 3, "Content-Type": 4}


@pytest.mark.parametrize(("line", "new", "where", "message"), [
    (9, 'msgstr "شكرا!', 9, "expected a quoted string, got '\"شكرا!'"),
    (9, 'msgstring "x"', 9, "not a PO keyword, string or comment: 'msgstring \"x\"'"),
    (9, 'msgstr "a\\q"', 9, "unknown escape \\q"),
    (9, 'msgid_plural "x"', 9, "plural forms are not used in Knuff flow catalogs"),
    (9, None, 7, "msgid without msgstr"),
    (8, None, 8, "msgstr without msgid"),
    (7, '"stray"', 7, "a quoted string outside msgctxt, msgid or msgstr"),
    (4, '"Content-Type: text/plain; charset=ISO-8859-1\\n"', 4, "the charset must be UTF-8"),
])
def test_broken_syntax_is_reported_with_file_and_line(line, new, where, message):
    with pytest.raises(PoError) as caught:
        parse_po(replace_line(GOOD, line, new), "translations/ar/flows.po")
    assert f"translations/ar/flows.po:{where}: {message}" in str(caught.value).splitlines()


def test_a_file_that_is_not_utf8_names_the_line():
    data = GOOD.replace("شكرا!", "Tack").encode("utf-8").replace(b"Tack\"\n", b"T\xe4ck\"\n")
    with pytest.raises(PoError, match=r"^x.po:9: the file is not UTF-8$"):
        parse_po(data, "x.po")


@pytest.mark.parametrize(("line", "new", "where", "message"), [
    (7, 'msgctxt "visit.gone"', 7, "unknown msgctxt 'visit.gone': no flow has this text"),
    (7, None, 7, "no msgctxt for msgid 'Tack!' (Knuff needs the text's key)"),
    (9, 'msgstr "شكرا {name}!"', 9,
     "visit.done: the translation has {name}, which the Swedish text does not have"),
    (9, 'msgstr "شكرا {!"', 9, "visit.done: the translation has a stray '{' or '}'"),
    (9, 'msgstr "شكرا!\\n"', 9,
     "visit.done: begin and end with a newline exactly where the Swedish text does"),
])
def test_entries_that_must_not_be_imported_are_reported(line, new, where, message):
    po = parse_po(replace_line(GOOD, line, new), "ar.po")
    assert [str(p) for p in check_po(po, SOURCES)] == [f"ar.po:{where}: {message}"]


def test_a_placeholder_missing_from_the_translation_is_reported():
    text = GOOD + ('\nmsgctxt "visit.ask.choice.2"\nmsgid "Jag vill prata med {case_manager}"\n'
                   'msgstr "أريد التحدث"\n')
    assert [str(p) for p in check_po(parse_po(text, "ar.po"), SOURCES)] == [
        "ar.po:13: visit.ask.choice.2: the translation lacks {case_manager}"]


def test_a_key_twice_is_reported_at_the_second():
    text = GOOD + '\nmsgctxt "visit.done"\nmsgid "Tack!"\nmsgstr "x"\n'
    assert [str(p) for p in check_po(parse_po(text, "ar.po"), SOURCES)] == [
        "ar.po:11: msgctxt 'visit.done' again (first at line 7)"]


def test_the_language_header_must_match_the_language_asked_for():
    po = parse_po(GOOD, "ar.po")
    assert po_language(po).code == "ar"
    assert po_language(po, "AR").code == "ar"
    with pytest.raises(PoError, match=r"^ar.po:3: the Language header says 'ar' but this "
                                      r"import is for 'fa'$"):
        po_language(po, "fa")
    with pytest.raises(PoError, match=r"^x.po:1: no Language header; give the language$"):
        po_language(parse_po(replace_line(GOOD, 3, None), "x.po"))
    assert po_language(parse_po(replace_line(GOOD, 3, None), "x.po"), "fa-AF").code == "fa_AF"


@pytest.mark.parametrize("code", TARGETS)
def test_every_language_gets_the_registry_headers(code, template, tmp_path):
    lang = LANGUAGES[code]
    path = po_path(tmp_path, code)
    write_po(path, language_catalog(template, lang, {}))
    headers = parse_po(path.read_bytes(), str(path)).headers
    assert headers["Language"] == code
    assert headers["Plural-Forms"] == lang.plural_header
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    msgfmt_check(path)


def test_arabic_plural_forms_are_cldr_not_babels_swapped_table(template):
    po = parse_po(render_po(language_catalog(template, LANGUAGES["ar"], {})), "ar.po")
    assert po.headers["Plural-Forms"] != Catalog(locale="ar").plural_forms
    assert "n%100>=11 ? 4 : 5" in po.headers["Plural-Forms"]


def test_translations_survive_a_write_and_read(template):
    known = {"visit.done": Known("Tack!", "شكرا!", False),
             "visit.ask.choice.1.words": Known("ja, yes", "نعم, أيوه", True, None, ("note",))}
    po = parse_po(render_po(language_catalog(template, LANGUAGES["ar"], known)), "ar.po")
    assert known_from_po(po) == known


def test_a_changed_swedish_text_keeps_the_translation_as_fuzzy_with_the_old_msgid(template):
    known = {"visit.done": Known("Tack så mycket!", "شكرا جزيلا!", False)}
    data = render_po(language_catalog(template, LANGUAGES["ar"], known))
    assert '#, fuzzy\n#| msgid "Tack så mycket!"\nmsgctxt "visit.done"\nmsgid "Tack!"\n' \
        'msgstr "شكرا جزيلا!"\n' in data.decode("utf-8")
    [entry] = [e for e in parse_po(data, "ar.po").entries if e.msgstr]
    assert (entry.fuzzy, entry.previous_msgid) == (True, "Tack så mycket!")


def test_a_long_changed_swedish_text_keeps_a_readable_old_msgid(template, tmp_path):
    """Babel wraps a long `#| msgid` into one comment no reader accepts; ours is quoted
    line by line, reads back whole and passes msgfmt."""
    old = "Tack för att du svarar ärligt. Det är okej att inte känna sig redo. " * 2
    known = {"visit.done": Known(old.strip(), "شكرا!", False)}
    data = render_po(language_catalog(template, LANGUAGES["ar"], known))
    [entry] = [e for e in parse_po(data, "ar.po").entries if e.msgstr]
    assert (entry.fuzzy, entry.previous_msgid) == (True, old.strip())
    assert '#| msgid ""\n#| "Tack för att du svarar' in data.decode("utf-8")
    path = tmp_path / "ar.po"
    path.write_bytes(data)
    msgfmt_check(path)


def test_a_text_no_flow_has_any_more_is_kept_as_obsolete(template):
    known = {"visit.gone": Known("Hej då!", "مع السلامة!", False)}
    data = render_po(language_catalog(template, LANGUAGES["ar"], known)).decode("utf-8")
    assert '#~ msgctxt "visit.gone"\n#~ msgid "Hej då!"\n#~ msgstr "مع السلامة!"\n' in data
    assert known_from_po(parse_po(data, "ar.po")) == known


def test_update_creates_missing_files_and_keeps_translations(tmp_path):
    flows = write_flows(tmp_path / "flows")
    folder = tmp_path / "translations"
    languages = [LANGUAGES["ar"], LANGUAGES["en"]]
    assert update_po_files(build_catalog(flows), folder, languages) == [
        po_path(folder, "ar"), po_path(folder, "en")]
    assert update_po_files(build_catalog(flows), folder, languages) == []  # nothing changed
    path = po_path(folder, "en")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'msgid "Tack!"\nmsgstr ""', 'msgid "Tack!"\nmsgstr "Thanks!"'), encoding="utf-8")
    write_flows(flows, VISIT.replace('"Tack!"', '"Tack så mycket!"'))
    assert update_po_files(build_catalog(flows), folder, languages) == [
        po_path(folder, "ar"), path]
    [entry] = [e for e in parse_po(path.read_bytes(), "en.po").entries if e.msgstr]
    assert (entry.msgid, entry.msgstr, entry.fuzzy, entry.previous_msgid) == (
        "Tack så mycket!", "Thanks!", True, "Tack!")
    msgfmt_check(path)


@pytest.mark.parametrize("code", TARGETS)
def test_shipped_catalogs_pass_msgfmt_and_hold_only_unapproved_system_drafts(code):
    path = po_path(ROOT / "translations", code)
    msgfmt_check(path)
    po = parse_po(path.read_bytes(), str(path))
    drafts = [e for e in po.entries if e.msgstr]
    system = {key for key in sources(load_library(ROOT / "flows").values())
              if key.startswith("system.")}
    assert system and {e.context for e in drafts} >= system
    assert all(e.fuzzy for e in drafts)
    assert "NOT approved" in path.read_text(encoding="utf-8").split("msgid")[0]
