"""Inbound SMS: keywords in any state, replies reach the right flow, nothing is lost."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot import db
from bot.models import Alert, Direction, Enrollment, EnrollmentStatus, Message, MessageStatus
from bot.services import conversations, dispatch, inbound
from tests.conftest import NOON


def receive(session, rt, client, body, sid=None):
    outcome = inbound.receive(session, rt, inbound.Inbound(
        sid or f"SM{abs(hash((client.id, body, NOON)))}", client.phone, body), NOON)
    session.commit()
    return outcome


def last_text(session) -> str:
    return session.scalars(sa.select(Message.body).where(Message.direction == "out")
                           .order_by(Message.id.desc())).first()


def test_help_interrupts_a_check_in_and_alerts_with_a_category(session, rt, make_client):
    client = make_client()
    checkin = conversations.start_now(session, rt, client, "activity_checkin", NOON, by="test")
    session.commit()
    assert receive(session, rt, client, "HJÄLP") == "help"
    assert checkin.status is EnrollmentStatus.EXPIRED
    assert "Vad vill du ha hjälp med?" in last_text(session)
    assert receive(session, rt, client, "3", sid="SM2") == "reply"
    alert = session.scalar(sa.select(Alert))
    assert alert.reason == "help" and alert.answer["value"] == "housing"
    assert "Sara" in last_text(session)


def test_a_message_outside_a_conversation_reaches_the_case_manager(session, rt, make_client):
    client = make_client()
    assert receive(session, rt, client, "Jag är sjuk idag") == "unprompted"
    assert session.scalar(sa.select(Alert.reason)) == "message"
    assert "HJÄLP" in last_text(session)


def test_replies_in_any_script_are_kept_exactly(session, rt, make_client):
    client = make_client(language="ti")
    conversations.start_now(session, rt, client, "motivation", NOON, by="test")
    session.commit()
    receive(session, rt, client, "٤")
    text = "ሰላም ኣሎኹ 🙂"
    receive(session, rt, client, text, sid="SM-ti")
    stored = session.scalars(sa.select(Message.body).where(Message.direction == "in")).all()
    assert stored == ["٤", text]
    enrollment = session.scalar(sa.select(Enrollment))
    assert enrollment.answers["readiness"]["value"] == "4"


def test_stopped_client_message_is_kept_but_nothing_is_sent(session, rt, make_client):
    client = make_client()
    receive(session, rt, client, "STOP")
    sent_before = session.scalar(sa.select(sa.func.count()).select_from(Message)
                                 .where(Message.direction == "out"))
    assert receive(session, rt, client, "hej", sid="SM3") == "stopped-client"
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)
                          .where(Message.direction == "out")) == sent_before


def test_tolk_alerts_the_case_manager_with_the_language(session, rt, make_client):
    client = make_client(language="so")
    assert receive(session, rt, client, "TOLK") == "interpreter"
    alert = session.scalar(sa.select(Alert).where(Alert.reason == "interpreter"))
    assert alert.data == {"step": "alert_interpreter", "language": "so"} and alert.note == ""
    assert alert.enrollment_id is not None  # through the interpreter flow
    assert "tolk" in last_text(session)


def test_tolk_without_the_interpreter_flow_still_alerts(session, rt, make_client,
                                                       monkeypatch):
    monkeypatch.delitem(rt.flows, "interpreter")
    client = make_client(language="so")
    assert receive(session, rt, client, "TOLK") == "interpreter"
    alert = session.scalar(sa.select(Alert).where(Alert.reason == "interpreter"))
    assert (alert.data, alert.answer, alert.note) == ({"language": "so"}, None, "")


def test_a_keyword_that_answers_the_open_question_answers_it(session, rt, make_client):
    client = make_client()
    conversations.enrol(session, rt, client, "meeting_reminder", at=NOON, by="test",
                        params={"meeting_at": "2026-11-25T14:00"})
    session.commit()
    dispatch.run_due(session, rt, NOON)
    assert receive(session, rt, client, "tolk") == "reply"
    assert session.scalar(sa.select(Enrollment)).answers["attending"]["value"] == "interpreter"


def test_language_menu_changes_language_and_confirms_it(session, rt, make_client):
    client = make_client(language="sv")
    assert receive(session, rt, client, "SPRÅK") == "language"
    assert "العربية" in last_text(session)
    assert receive(session, rt, client, "٣", sid="SM-lang") == "reply"
    assert client.language == "ar"
    confirmation = session.scalars(sa.select(Message).where(Message.direction == "out")
                                   .order_by(Message.id.desc())).first()
    # No Arabic text is approved yet: the confirmation falls back to Swedish and says so.
    assert (confirmation.language, confirmation.fallback_from) == ("sv", "ar")


def test_keywords_in_the_clients_own_language(session, rt, make_client):
    client = make_client(language="ar")
    assert receive(session, rt, client, "مساعدة") == "help"


# --- stored by the webhook, handled by the worker ---------------------------------------

def stored(session, phone, body, sid) -> Message:
    """What the webhook does: one INSERT on its own, then commit."""
    assert inbound.store(session, inbound.Inbound(sid, phone, body), NOON)
    session.commit()
    return session.scalar(sa.select(Message).where(Message.provider_sid == sid))


def test_store_keeps_a_message_sid_once(session):
    sms = inbound.Inbound("SMtwice", "+46701740605", "hej")
    assert inbound.store(session, sms, NOON) is True
    assert inbound.store(session, sms, NOON) is False
    session.commit()
    rows = session.scalars(sa.select(Message)).all()
    assert [(m.provider_sid, m.status, m.phone, m.body) for m in rows] == [
        ("SMtwice", MessageStatus.RECEIVED, "+46701740605", "hej")]


def test_store_refuses_a_number_that_is_not_e164(session):
    with pytest.raises(ValueError, match="E.164"):
        inbound.store(session, inbound.Inbound("SMbad", "0701740605", "hej"), NOON)


def test_unknown_number_rows_keep_neither_body_nor_phone(session, rt):
    message = stored(session, "+46701740698", "Jag heter Kim och bor på Storgatan 1", "SMx")
    assert inbound.handle_pending(session, rt, NOON) == 1
    session.expire_all()
    row = session.get(Message, message.id)
    assert (row.status, row.body, row.phone, row.client_id) == (
        MessageStatus.HANDLED, None, None, None)
    reply = session.scalar(sa.select(Message).where(Message.direction == Direction.OUT))
    assert reply.phone == "+46701740698"  # until it is sent, then cleared by the outbox


def test_a_clients_message_is_tied_to_them_and_the_number_cleared(session, rt, make_client):
    client = make_client()
    message = stored(session, client.phone, "Jag är sjuk idag", "SMc")
    assert inbound.handle_pending(session, rt, NOON) == 1
    session.expire_all()
    row = session.get(Message, message.id)
    assert (row.status, row.client_id, row.phone, row.body) == (
        MessageStatus.HANDLED, client.id, None, "Jag är sjuk idag")
    assert session.scalar(sa.select(Alert.reason)) == "message"
    assert inbound.handle_pending(session, rt, NOON) == 0  # nothing is handled twice


def test_a_failing_message_is_retried_then_handled_with_an_alert_and_blocks_no_one(
        session, rt, make_client, monkeypatch, caplog):
    amina, bashir = make_client("Amina"), make_client("Bashir")
    secret = "mitt personnummer 19900101-1234"
    bad = stored(session, amina.phone, secret, "SMbad")
    good = stored(session, bashir.phone, "hej", "SMgood")
    real = inbound._from_client

    def from_client(db, rt_, client, body, now):
        if client.id == amina.id:
            # Half-done work must be undone: the alert and the cleared number roll back.
            db.add(Alert(client_id=client.id, reason="half-done", created_at=now))
            db.flush()
            raise RuntimeError(f"flow broke on {body!r} from {client.phone}")
        return real(db, rt_, client, body, now)

    monkeypatch.setattr(inbound, "_from_client", from_client)
    for attempt in (1, 2):
        assert inbound.handle_pending(session, rt, NOON) == (2 if attempt == 1 else 1)
        session.expire_all()
        row = session.get(Message, bad.id)
        assert (row.status, row.attempts, row.phone, row.body, row.client_id) == (
            MessageStatus.RECEIVED, attempt, amina.phone, secret, None)
        assert session.get(Message, good.id).status is MessageStatus.HANDLED
        assert session.scalars(sa.select(Alert.reason)).all() == ["message"]  # Bashir's

    assert inbound.handle_pending(session, rt, NOON) == 1
    session.expire_all()
    row = session.get(Message, bad.id)
    assert (row.status, row.attempts, row.phone, row.client_id, row.body) == (
        MessageStatus.HANDLED, 3, None, amina.id, secret)
    alert = session.scalar(sa.select(Alert).where(Alert.client_id == amina.id))
    assert alert.reason == "inbound_failed"
    assert inbound.handle_pending(session, rt, NOON) == 0
    # The log says which message failed, and where, but nothing the client wrote.
    failures = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(failures) == 3 and "RuntimeError" in failures[0].getMessage()
    assert secret not in caplog.text and amina.phone not in caplog.text


def test_a_clients_messages_are_handled_in_order(session, rt, make_client, monkeypatch):
    client = make_client()
    checkin = conversations.start_now(session, rt, client, "activity_checkin", NOON, by="test")
    session.commit()
    first = stored(session, client.phone, "1", "SMfirst")
    second = stored(session, client.phone, "Det gick bra", "SMsecond")
    # A worker that claimed the newer one (the older locked by another worker) waits.
    assert inbound.waits_for_older(session, second) is True
    assert inbound.waits_for_older(session, first) is False

    # The older one fails once: the newer one is not handled before it.
    real, failed = inbound._from_client, []

    def from_client(db, rt_, client_, body, now):
        if body == "1" and not failed:
            failed.append(body)
            raise RuntimeError("once")
        return real(db, rt_, client_, body, now)

    monkeypatch.setattr(inbound, "_from_client", from_client)
    assert inbound.handle_pending(session, rt, NOON) == 1  # the first failed; second waited
    session.expire_all()
    assert session.get(Message, second.id).status is MessageStatus.RECEIVED
    assert inbound.handle_pending(session, rt, NOON) == 2
    session.expire_all()
    assert [session.get(Message, m.id).status for m in (first, second)] == [
        MessageStatus.HANDLED] * 2
    assert session.get(Enrollment, checkin.id).answers["attended"]["value"] == "yes"
    # In order, "Det gick bra" came after the check-in ended: it reaches the case manager.
    assert session.scalars(sa.select(Alert.reason)).all() == ["message"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_workers_claim_disjoint_messages_on_postgres(app, session, rt, make_client):
    clients = [make_client(f"K{i}") for i in range(4)]
    for i, client in enumerate(clients):
        stored(session, client.phone, "hej", f"SMpg{i}")
    with db.new_session() as one, db.new_session() as two:
        mine = inbound.claim_pending(one, limit=2)  # locked until `one` ends its transaction
        assert len(mine) == 2
        theirs = inbound.claim_pending(two, limit=10)
        assert {m.id for m in mine}.isdisjoint(m.id for m in theirs) and len(theirs) == 2
        two.rollback()
        assert inbound.handle_pending(two, rt, NOON) == 2  # only the rows `one` has not
        one.rollback()
        assert inbound.handle_pending(one, rt, NOON) == 2
    session.expire_all()
    rows = session.scalars(sa.select(Message).where(Message.direction == Direction.IN)).all()
    assert {m.status for m in rows} == {MessageStatus.HANDLED}
    assert session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 4  # once each


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_message_waits_while_an_older_one_is_locked_by_another_worker(app, session, rt,
                                                                        make_client):
    client = make_client()
    stored(session, client.phone, "hej", "SMold")
    newer = stored(session, client.phone, "hallå", "SMnew")
    with db.new_session() as one, db.new_session() as two:
        assert len(inbound.claim_pending(one, limit=1)) == 1  # the older one, held
        assert inbound.handle_pending(two, rt, NOON) == 0  # claims the newer, which waits
        assert two.get(Message, newer.id).status is MessageStatus.RECEIVED
        assert inbound.handle_pending(one, rt, NOON, limit=1) == 1  # the older one
        assert inbound.handle_pending(two, rt, NOON) == 1  # now the newer one
    session.expire_all()
    assert session.scalars(sa.select(Message.status).where(Message.direction == Direction.IN)
                           .order_by(Message.id)).all() == [MessageStatus.HANDLED] * 2
