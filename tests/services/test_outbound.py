"""The one outbound path: quiet hours, opt-out, segments, retries, failures, crash recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.engine import OutMessage
from bot.messaging.quiet_hours import QuietHours
from bot.messaging.senders import SendError
from bot.models import Alert, ClientStatus, Message, MessageStatus
from bot.services import outbound
from tests.conftest import NOON

EVENING = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 21:30 in Stockholm
# The lanes keep their books through the driver on PostgreSQL, through Core on SQLite.
BOTH_DATABASES = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def out(text="Hej {name}!", **params) -> OutMessage:
    return OutMessage(key="test.hello", template=text, params={"name": "Amina", **params})


def test_queue_renders_counts_segments_and_persists(session, rt, make_client):
    msg = outbound.queue(session, rt, make_client(), out(), now=NOON)
    session.commit()
    assert (msg.body, msg.status, msg.encoding, msg.segments) == (
        "Hej Amina!", MessageStatus.QUEUED, "GSM-7", 1)
    assert msg.send_after == NOON


def test_a_language_without_approved_texts_falls_back_to_swedish_and_says_so(session, rt,
                                                                              make_client):
    msg = outbound.queue(session, rt, make_client(language="ar"), out(), now=NOON)
    assert (msg.language, msg.fallback_from) == ("sv", "ar")


def test_nudges_in_quiet_hours_wait_until_morning_but_replies_do_not(session, rt, make_client):
    rt.quiet = QuietHours.parse("20:00-08:00", "Europe/Stockholm")
    client = make_client()
    nudge = outbound.queue(session, rt, client, out(), now=EVENING)
    reply = outbound.queue(session, rt, client, out(), now=EVENING, reply=True)
    assert nudge.send_after == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 local
    assert reply.send_after == EVENING


def test_nothing_is_queued_for_a_stopped_client(session, rt, make_client):
    client = make_client(status=ClientStatus.STOPPED)
    assert outbound.queue(session, rt, client, out(), now=NOON).status is (
        MessageStatus.SUPPRESSED)


@BOTH_DATABASES
def test_deliver_sends_due_messages_once_and_stores_provider_id(session, rt, make_client,
                                                                 sender):
    client = make_client()
    outbound.queue(session, rt, client, out(), now=NOON)
    later = outbound.queue(session, rt, client, out(), now=NOON + timedelta(hours=1))
    session.commit()
    assert outbound.deliver_due(session, rt, NOON) == 1
    assert outbound.deliver_due(session, rt, NOON) == 0
    assert sender.sent == [(client.phone, "Hej Amina!")]
    sent = session.scalar(sa.select(Message).where(Message.id != later.id))
    assert sent.provider_sid.startswith("SM") and sent.status is MessageStatus.ACCEPTED


def test_transient_failure_is_retried_with_backoff(session, rt, make_client, sender):
    outbound.queue(session, rt, make_client(), out(), now=NOON)
    session.commit()
    sender.failures.append(SendError("503 from provider", permanent=False, code=None))
    assert outbound.deliver_due(session, rt, NOON) == 0
    msg = session.scalar(sa.select(Message))
    assert msg.status is MessageStatus.QUEUED and msg.send_after == NOON + timedelta(seconds=30)
    assert outbound.deliver_due(session, rt, NOON + timedelta(seconds=30)) == 1


def test_permanent_failure_alerts_the_case_manager(session, rt, make_client, sender):
    client = make_client()
    outbound.queue(session, rt, client, out(), now=NOON)
    session.commit()
    sender.failures.append(SendError("unsubscribed", permanent=True, code=21610))
    outbound.deliver_due(session, rt, NOON)
    session.expire_all()
    assert session.scalar(sa.select(Message)).status is MessageStatus.FAILED
    assert client.status is ClientStatus.STOPPED
    alert = session.scalar(sa.select(Alert))
    assert (alert.reason, alert.data) == ("delivery_failed", {"error_code": "21610"})


def test_gives_up_after_max_attempts(session, rt, make_client, sender):
    outbound.queue(session, rt, make_client(), out(), now=NOON)
    session.commit()
    sender.failures.extend(SendError("down", permanent=False, code=None)
                           for _ in range(outbound.MAX_ATTEMPTS))
    when = NOON
    for _ in range(outbound.MAX_ATTEMPTS):
        outbound.deliver_due(session, rt, when)
        when += timedelta(hours=1)
    assert session.scalar(sa.select(Message)).status is MessageStatus.FAILED
    assert sender.sent == []


class Crash(BaseException):
    """Stands for the worker process dying: nothing in Knuff catches it."""


@BOTH_DATABASES
def test_a_crash_mid_batch_leaves_only_the_in_flight_messages_in_doubt(
        session, rt, make_client, sender, monkeypatch):
    clients = [make_client(f"C{i}") for i in range(4)]
    for client in clients:
        outbound.queue(session, rt, client, out(), now=NOON)
    session.commit()
    real_send = sender.send

    def dies_on_second(to, body, **kwargs):
        if len(sender.sent) == 1:
            raise Crash()
        return real_send(to, body, **kwargs)

    monkeypatch.setattr(sender, "send", dies_on_second)
    with pytest.raises(Crash):
        outbound.deliver_due(session, rt, NOON)
    session.rollback()
    S, C = MessageStatus.SENDING, MessageStatus.CLAIMED
    statuses = [m.status for m in session.scalars(sa.select(Message).order_by(Message.id))]
    # One send thread: the message being sent is the only one in doubt.
    assert rt.send_threads == 1
    assert statuses == [MessageStatus.ACCEPTED, S, C, C]

    monkeypatch.setattr(sender, "send", real_send)
    assert outbound.recover_interrupted(session, NOON) == 0  # too early: may still be running
    later = NOON + outbound.STUCK_AFTER + timedelta(seconds=1)
    assert outbound.recover_interrupted(session, later) == 1
    assert outbound.deliver_due(session, rt, later) == 2
    assert [to for to, _ in sender.sent] == [clients[0].phone, clients[2].phone,
                                             clients[3].phone]
    session.expire_all()
    statuses = [m.status for m in session.scalars(sa.select(Message).order_by(Message.id))]
    U, A = MessageStatus.UNKNOWN, MessageStatus.ACCEPTED
    assert statuses == [A, U, A, A]
    assert session.scalars(sa.select(Alert.reason)).all() == ["delivery_unknown"]


@BOTH_DATABASES
def test_several_send_threads_send_each_message_once(session, rt, make_client, sender):
    rt.send_threads = 4
    clients = [make_client(f"C{i}") for i in range(12)]
    for client in clients:
        outbound.queue(session, rt, client, out(), now=NOON)
    session.commit()
    try:
        assert outbound.deliver_due(session, rt, NOON) == 12
    finally:
        rt.close()
    assert sorted(to for to, _ in sender.sent) == sorted(c.phone for c in clients)
    sids = session.scalars(sa.select(Message.provider_sid)).all()
    assert len(set(sids)) == 12 and set(sids) == set(sender.sids)


def test_arabic_text_is_ucs2_and_counted_in_70s(session, rt, make_client):
    msg = outbound.queue(session, rt, make_client(), out("مرحبا " * 15), now=NOON)
    assert msg.encoding == "UCS-2" and msg.segments == 2


def test_a_send_that_may_have_reached_the_provider_is_not_retried(session, rt, make_client,
                                                                   sender):
    outbound.queue(session, rt, make_client(), out(), now=NOON)
    session.commit()
    sender.failures.append(SendError("read timeout", permanent=False, maybe_sent=True))
    outbound.deliver_due(session, rt, NOON)
    assert outbound.deliver_due(session, rt, NOON + timedelta(hours=1)) == 0
    assert session.scalar(sa.select(Message)).status is MessageStatus.UNKNOWN
    assert session.scalar(sa.select(Alert)).reason == "delivery_unknown"


@BOTH_DATABASES
def test_each_result_is_stored_before_the_next_request_so_callbacks_find_it(
        session, rt, make_client, sender, app):
    """Twilio may call /twilio/status as soon as it has accepted a message: by then the
    provider id must be in the database, not waiting for the rest of the batch."""
    client = make_client()
    for _ in range(3):
        outbound.queue(session, rt, client, out(), now=NOON)
    session.commit()
    engine = app.extensions["knuff.engine"]
    seen: list[list[str | None]] = []
    send = sender.send

    def send_and_look(to, body, **kwargs):
        with engine.connect() as conn:  # what a status callback's request would read
            seen.append(list(conn.scalars(sa.select(Message.provider_sid)
                                          .order_by(Message.id))))
        return send(to, body, **kwargs)

    sender.send = send_and_look
    assert outbound.deliver_due(session, rt, NOON) == 3
    assert [sum(sid is not None for sid in row) for row in seen] == [0, 1, 2]
    assert seen[2][:2] == sender.sids[:2]
