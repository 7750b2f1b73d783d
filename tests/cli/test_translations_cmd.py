"""`flask translations extract | import | export | status | approve`."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.i18n.catalogs import parse_po, po_path
from bot.i18n.languages import LANGUAGES, SOURCE
from bot.models import AuditEvent, Translation, TranslationStatus
from tests.conftest import make_app
from tests.flows.test_catalog import VISIT, write_flows
from tests.i18n.test_catalogs import msgfmt_check
from tests.services.test_approvals import AR, po

TARGETS = [code for code in LANGUAGES if code != SOURCE]


@pytest.fixture
def folders(tmp_path) -> tuple[Path, Path]:
    return write_flows(tmp_path / "flows"), tmp_path / "translations"


@pytest.fixture
def app(database_url, folders):
    flows, translations = folders
    app = make_app(database_url, FLOWS_DIR=str(flows), TRANSLATIONS_DIR=str(translations))
    yield app
    app.extensions["knuff.engine"].dispose()


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args, **kw: runner.invoke(args=["translations", *args], **kw)


def rows(session) -> dict[tuple[str, str], Translation]:
    session.expire_all()
    return {(r.language, r.key): r for r in session.scalars(sa.select(Translation))}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_extract_writes_the_template_and_a_catalog_per_language(run, folders):
    _, translations = folders
    result = run("extract")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == f"{translations / 'flows.pot'}: 6 texts"
    assert len(result.output.splitlines()) == 1 + len(TARGETS)
    for code in TARGETS:
        msgfmt_check(po_path(translations, code))
    assert run("extract").output.splitlines()[1:] == []  # nothing changed: nothing rewritten


def test_extract_sends_translations_of_changed_texts_back_to_review(run, folders, session):
    flows, _ = folders
    assert run("import", str(write(flows.parent, "ar.po", AR)), "--approve",
               "--by", "Layla").exit_code == 0
    write_flows(flows, VISIT.replace('"Tack!"', '"Tack så mycket!"'))
    result = run("extract")
    assert result.output.splitlines()[-1] == \
        "1 translations need review: their Swedish text changed"
    done = rows(session)[("ar", "visit.done")]
    assert (done.status, done.previous_source) == (TranslationStatus.NEEDS_REVIEW, "Tack!")


def test_import_approve_records_who_and_prints_a_summary(run, session, tmp_path):
    path = write(tmp_path, "ar.po", AR)
    result = run("import", str(path), "--approve", "--by", "Layla")
    assert result.exit_code == 0, result.output
    assert result.output == f"{path} (ar): 2 approved, 1 drafts, 0 need review, 0 unchanged\n"
    assert rows(session)[("ar", "visit.done")].approved_by == "Layla"
    assert session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 2


def test_import_approve_needs_a_name(run, session, tmp_path):
    result = run("import", str(write(tmp_path, "ar.po", AR)), "--approve")
    assert result.exit_code == 2
    assert "--approve needs --by NAME" in result.output
    assert rows(session) == {}


def test_a_broken_file_is_refused_with_file_and_line_and_imports_nothing(run, session,
                                                                         tmp_path):
    text = po("ar", ("visit.done", "Tack!", "شكرا!", False),
              ("visit.ask.choice.2", "Jag vill prata med {case_manager}", "أريد التحدث", False))
    path = write(tmp_path, "ar.po", text)
    result = run("import", str(path), "--language", "ar", "--approve", "--by", "Layla")
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}:12: visit.ask.choice.2: the translation lacks "
                             "{case_manager}\nNothing was imported.\n")
    assert rows(session) == {}


def test_import_refuses_a_file_in_another_language(run, session, tmp_path):
    path = write(tmp_path, "ar.po", AR)
    result = run("import", str(path), "--language", "fa")
    assert result.exit_code == 1
    assert f"{path}:4: the Language header says 'ar' but this import is for 'fa'" \
        in result.output


def test_status_prints_a_table_per_flow_and_language(run, tmp_path):
    run("import", str(write(tmp_path, "ar.po", AR)), "--approve", "--by", "Layla")
    result = run("status", "--language", "ar")
    assert result.exit_code == 0, result.output
    assert result.output == (
        "flow   language  approved  draft  review  missing\n"
        "visit  ar               2      1       0        3\n")
    assert len(run("status").output.splitlines()) == 1 + len(TARGETS)


def test_bulk_approve_by_flow(run, session, tmp_path):
    run("import", str(write(tmp_path, "ar.po", AR)))
    result = run("approve", "ar", "--flow", "visit", "--by", "Omar")
    assert (result.exit_code, result.output) == (0, "3 translations approved in ar by Omar\n")
    assert {r.approved_by for r in rows(session).values()} == {"Omar"}
    assert run("approve", "ar", "--flow", "nope", "--by", "Omar").exit_code == 2
    assert run("approve", "sv", "--by", "Omar").exit_code == 2


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_export_writes_files_msgfmt_accepts_with_only_approved_texts_unfuzzy(run, tmp_path):
    run("import", str(write(tmp_path, "ar.po", AR)), "--approve", "--by", "Layla")
    out = tmp_path / "export"
    result = run("export", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [str(po_path(out, code)) for code in TARGETS]
    for code in TARGETS:
        msgfmt_check(po_path(out, code))
    entries = parse_po(po_path(out, "ar").read_bytes(), "ar.po").entries
    assert {(e.context, e.msgstr, e.fuzzy) for e in entries if e.msgstr} == {
        ("visit.done", "شكرا!", False), ("visit.ask.choice.1.words", "نعم, أيوه", False),
        ("visit.ask.choice.1", "نعم", True)}


def test_export_then_import_with_approve_round_trips(run, session, tmp_path):
    run("import", str(write(tmp_path, "ar.po", AR)))
    out = tmp_path / "export"
    run("export", "--language", "ar", "--out", str(out))
    path = po_path(out, "ar")
    reviewed = path.read_text(encoding="utf-8").replace("#, fuzzy, python-brace", "#, python-brace")
    path.write_text(reviewed.replace("#, fuzzy\n", ""), encoding="utf-8")  # Poedit: reviewed
    result = run("import", str(path), "--approve", "--by", "Layla")
    assert result.output.endswith(": 3 approved, 0 drafts, 0 need review, 0 unchanged\n")
    assert all(r.status is TranslationStatus.APPROVED for r in rows(session).values())
