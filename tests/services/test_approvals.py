"""Approvals: only interpreter-approved text for the current Swedish source is ever sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from bot.engine import OutMessage
from bot.flows.loader import load_library
from bot.i18n.catalog import resolve
from bot.i18n.catalogs import PoError
from bot.models import AuditEvent, Translation, TranslationStatus
from bot.services import approvals
from tests.flows.test_catalog import VISIT, write_flows

NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
ASK = "Hej {name}! Kommer du {visit_at_date} klockan {visit_at_time}?"


@pytest.fixture
def flows(tmp_path):
    return load_library(write_flows(tmp_path / "flows"))


def changed_flows(tmp_path, old: str, new: str):
    return load_library(write_flows(tmp_path / "changed", VISIT.replace(old, new)))


def po(language: str | None, *entries: tuple[str, str, str, bool]) -> str:
    """A PO file with a header and (msgctxt, msgid, msgstr, fuzzy) entries."""
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"']
    if language:
        lines.append(f'"Language: {language}\\n"')
    for key, msgid, msgstr, fuzzy in entries:
        lines += ["", *(["#, fuzzy"] if fuzzy else []), f'msgctxt "{key}"', f'msgid "{msgid}"',
                  f'msgstr "{msgstr}"']
    return "\n".join(lines) + "\n"


AR = po("ar", ("visit.done", "Tack!", "شكرا!", False),
        ("visit.ask.choice.1", "Ja", "نعم", True),
        ("visit.ask.choice.1.words", "ja, yes", "نعم, أيوه", False),
        ("visit.reask", "Svara med en siffra.", "", False))


def rows(session) -> dict[tuple[str, str], Translation]:
    session.flush()
    session.expire_all()
    return {(r.language, r.key): r for r in session.scalars(sa.select(Translation))}


def audits(session) -> list[tuple[str, str, str | None]]:
    return [(a.actor, a.action, a.target) for a in
            session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]


def test_import_with_approve_approves_what_is_not_fuzzy_and_audits_it(session, flows):
    result = approvals.import_po(session, AR, flows=flows.values(), approve=True,
                                 by="Layla (tolk)", now=NOW)
    session.commit()
    assert result == approvals.ImportResult("ar", approved=2, drafts=1)
    found = rows(session)
    done = found[("ar", "visit.done")]
    assert (done.status, done.approved_by, done.approved_at, done.text) == (
        TranslationStatus.APPROVED, "Layla (tolk)", NOW, "شكرا!")
    assert (done.source_hash, done.text_hash) == (approvals.digest("Tack!"),
                                                  approvals.digest("شكرا!"))
    assert found[("ar", "visit.ask.choice.1")].status is TranslationStatus.DRAFT
    assert ("ar", "visit.reask") not in found  # empty msgstr: still missing
    assert audits(session) == [
        ("Layla (tolk)", "translation.approve", "translation:ar:visit.done"),
        ("Layla (tolk)", "translation.approve", "translation:ar:visit.ask.choice.1.words"),
    ]


def test_import_without_approve_stores_drafts_that_are_never_sent(session, flows):
    assert approvals.import_po(session, AR, flows=flows.values()).drafts == 3
    lookup = approvals.approved_lookup(session, flows)
    assert lookup("visit.done", "ar") is None
    assert resolve(OutMessage("visit.done", "Tack!", {}), "ar", lookup).fallback_from == "ar"


@pytest.mark.parametrize(("text", "problem"), [
    (po("ar", ("visit.nope", "Tack!", "شكرا!", False)),
     "ar.po:6: unknown msgctxt 'visit.nope': no flow has this text"),
    (po("ar", ("visit.done", "Tack!", "شكرا!", False), ("visit.ask", ASK, "مرحبا {name}!", False)),
     "ar.po:12: visit.ask: the translation lacks {visit_at_date}, {visit_at_time}"),
    (po("ar", ("visit.done", "Tack!", "شكرا {name}!", False)),
     "ar.po:8: visit.done: the translation has {name}, which the Swedish text does not have"),
    (po("fa", ("visit.done", "Tack!", "ممنون!", False)),
     "ar.po:4: the Language header says 'fa' but this import is for 'ar'"),
    (po("ar", ("visit.done", "Tack!", "شكرا!", False)).replace('msgstr "شكرا!"', 'msgstr "x'),
     "ar.po:8: expected a quoted string, got '\"x'"),
])
def test_a_broken_file_imports_nothing(session, flows, text, problem):
    with pytest.raises(PoError) as caught:
        approvals.import_po(session, text, "ar", flows=flows.values(), approve=True, by="L",
                            name="ar.po")
    assert problem in str(caught.value).splitlines()
    assert rows(session) == {}


def test_approved_text_is_sent_while_both_hashes_match(session, flows):
    approvals.import_po(session, AR, flows=flows.values(), approve=True, by="Layla")
    session.commit()
    lookup = approvals.approved_lookup(session, flows)
    assert lookup("visit.done", "ar") == "شكرا!"
    assert lookup("visit.ask.choice.1.words", "ar") == "نعم, أيوه"
    assert lookup("visit.done", "fa") is None
    assert resolve(OutMessage("visit.done", "Tack!", {}), "ar", lookup).template == "شكرا!"


def test_editing_the_translation_withdraws_the_approval(session, flows):
    approvals.import_po(session, AR, flows=flows.values(), approve=True, by="Layla")
    session.commit()
    rows(session)[("ar", "visit.done")].text = "شكرًا!"  # edited behind the review's back
    session.commit()
    assert approvals.approved_lookup(session, flows)("visit.done", "ar") is None
    [status_row] = approvals.status(session, flows, ["ar"])
    assert (status_row.approved, status_row.needs_review) == (1, 1)


def test_reimporting_a_changed_translation_makes_it_a_draft_again(session, flows):
    approvals.import_po(session, AR, flows=flows.values(), approve=True, by="Layla")
    changed = po("ar", ("visit.done", "Tack!", "شكرًا جزيلًا!", False))
    assert approvals.import_po(session, changed, flows=flows.values()).drafts == 1
    done = rows(session)[("ar", "visit.done")]
    assert (done.status, done.approved_by, done.approved_at) == (
        TranslationStatus.DRAFT, None, None)


def test_a_changed_swedish_source_sends_translations_back_with_the_old_text(session, flows,
                                                                            tmp_path):
    approvals.import_po(session, AR, flows=flows.values(), approve=True, by="Layla")
    session.commit()
    new = changed_flows(tmp_path, '"Tack!"', '"Tack så mycket!"')
    # Deployed but not synced yet: the hash check alone keeps the old approval from going out.
    assert approvals.approved_lookup(session, new)("visit.done", "ar") is None
    assert approvals.sync_from_flows(session, new.values()) == ["ar:visit.done"]
    session.commit()
    done = rows(session)[("ar", "visit.done")]
    assert (done.status, done.source, done.previous_source) == (
        TranslationStatus.NEEDS_REVIEW, "Tack så mycket!", "Tack!")
    assert approvals.approved_lookup(session)("visit.done", "ar") is None
    assert approvals.sync_from_flows(session, new.values()) == []
    assert audits(session)[-1] == ("system", "translations.source_changed", None)


def test_a_file_translated_from_the_old_source_needs_review(session, flows, tmp_path):
    new = changed_flows(tmp_path, '"Tack!"', '"Tack så mycket!"')
    result = approvals.import_po(session, AR, flows=new.values(), approve=True, by="Layla")
    assert (result.approved, result.needs_review) == (1, 1)
    done = rows(session)[("ar", "visit.done")]
    assert (done.status, done.previous_source) == (TranslationStatus.NEEDS_REVIEW, "Tack!")


def test_bulk_approve_one_flow_audits_each_text_and_spares_rejected(session, flows):
    approvals.import_po(session, AR, flows=flows.values())
    rows(session)[("ar", "visit.ask.choice.1")].status = TranslationStatus.REJECTED
    assert approvals.approve(session, "ar", flows=flows.values(), by="Omar", flow="visit",
                             now=NOW) == 2
    session.commit()
    found = rows(session)
    assert found[("ar", "visit.ask.choice.1")].status is TranslationStatus.REJECTED
    assert (found[("ar", "visit.done")].approved_by, found[("ar", "visit.done")].approved_at) \
        == ("Omar", NOW)
    assert [a[2] for a in audits(session)] == ["translation:ar:visit.ask.choice.1.words",
                                               "translation:ar:visit.done"]
    assert approvals.approve(session, "ar", flows=flows.values(), by="Omar") == 0


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_status_counts_approved_draft_review_and_missing(session, flows, tmp_path):
    approvals.import_po(session, AR, flows=flows.values(), approve=True, by="Layla")
    approvals.import_po(session, po("en", ("visit.done", "Tack!", "Thanks!", True)),
                        flows=flows.values())
    session.commit()
    table = approvals.status(session, flows, ["ar", "en", "so"])
    assert [(r.flow, r.language, r.total, r.approved, r.draft, r.needs_review, r.missing)
            for r in table] == [("visit", "ar", 6, 2, 1, 0, 3), ("visit", "en", 6, 0, 1, 0, 5),
                                ("visit", "so", 6, 0, 0, 0, 6)]


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_the_lookup_reads_rows_only_when_something_changed(app, session, flows):
    approvals.import_po(session, AR, flows=flows.values(), approve=True, by="Layla")
    session.commit()
    statements: list[str] = []
    engine = session.get_bind()

    def record(_conn, _cursor, statement, *_args) -> None:
        if statement.startswith("SELECT"):  # not SQLite's BEGIN IMMEDIATE
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        approvals.approved_lookup(session, flows)
        statements.clear()
        assert approvals.approved_lookup(session, flows)("visit.done", "ar") == "شكرا!"
        assert len(statements) == 1  # the change stamp only
        session.commit()
        with app.extensions["knuff.sessionmaker"]() as other:  # e.g. the web process
            other.scalar(sa.select(Translation).where(Translation.key == "visit.done")
                         ).text = "تعديل"
            other.commit()
        statements.clear()
        assert approvals.approved_lookup(session, flows)("visit.done", "ar") is None
        assert len(statements) == 2  # stamp, then the rows again
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
