"""Staff pause and stop a client's messages; a client's own quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.messaging.quiet_hours import QuietHours
from bot.models import (
    Alert,
    AuditEvent,
    ClientStatus,
    EnrollmentStatus,
    Message,
    MessageStatus,
)
from bot.services import clients, conversations, dispatch, inbound, schedules
from tests.conftest import NOON


def receive(session, rt, client, body, at=NOON):
    outcome = inbound.receive(session, rt, inbound.Inbound(
        f"SM{abs(hash((client.id, body, at)))}", client.phone, body), at)
    session.commit()
    return outcome


def outgoing(session) -> list[Message]:
    return list(session.scalars(sa.select(Message).where(Message.direction == "out")
                                .order_by(Message.id)))


def actions(session) -> list[str]:
    return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_a_paused_clients_nudges_are_skipped_not_saved_up(session, rt, make_client):
    client = make_client()
    nudge = conversations.enrol(session, rt, client, "activity_checkin", at=NOON, by="test")
    clients.pause(session, client, "sara@example.se", now=NOON)
    session.commit()
    dispatch.run_due(session, rt, NOON)
    assert nudge.status is EnrollmentStatus.STOPPED and outgoing(session) == []
    skipped = session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "enrollment.skipped"))
    assert skipped.detail["reason"] == "client paused"
    clients.resume(session, client, "sara@example.se")
    session.commit()
    dispatch.run_due(session, rt, NOON + timedelta(hours=1))
    assert outgoing(session) == []  # nothing piled up for the resume
    assert actions(session) == ["client.pause", "enrollment.skipped", "client.resume"]


def test_a_paused_client_still_gets_answers_to_their_own_messages(session, rt, make_client):
    client = make_client(paused=True)
    assert receive(session, rt, client, "HJÄLP") == "help"
    assert receive(session, rt, client, "1", at=NOON + timedelta(minutes=1)) == "reply"
    assert len(outgoing(session)) == 2


def test_a_conversation_under_way_stops_its_own_later_nudges_while_paused(session, rt,
                                                                         make_client):
    client = make_client()
    conversations.enrol(session, rt, client, "activity_checkin", at=NOON, by="test")
    session.commit()
    dispatch.run_due(session, rt, NOON)  # asked; the timeout would re-ask later
    clients.pause(session, client, "sara@example.se", now=NOON)
    session.commit()
    dispatch.run_due(session, rt, NOON + timedelta(days=1))
    assert len(outgoing(session)) == 1


def test_pausing_drops_a_nudge_held_for_quiet_hours(session, rt, make_client):
    rt.quiet = QuietHours.parse("20:00-08:00", "Europe/Stockholm")
    evening = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # 20:30 in Stockholm
    client = make_client()
    conversations.start_now(session, rt, client, "activity_checkin", evening, by="test")
    session.commit()
    [held] = outgoing(session)
    assert held.send_after > evening
    clients.pause(session, client, "sara@example.se", now=evening)
    session.commit()
    assert held.status is MessageStatus.SUPPRESSED


def test_staff_stop_all_cancels_everything_until_staff_resume(session, rt, make_client):
    client = make_client()
    schedule = schedules.create_schedule(
        session, rt, client, "motivation", "recurring",
        {"weekdays": ["wed"], "time": "10:00", "weeks": 3}, {}, "sara@example.se", now=NOON)
    talking = conversations.start_now(session, rt, client, "activity_checkin", NOON, by="test")
    assert clients.stop_all(session, client, "sara@example.se", now=NOON) == 1
    session.commit()
    assert (client.status, client.stopped_by) == (ClientStatus.STOPPED, "staff")
    assert schedule.cancelled_at is not None and talking.status is EnrollmentStatus.STOPPED
    assert schedules.nudges(session, client=client) == []
    sent = len(outgoing(session))
    assert receive(session, rt, client, "START") == "start-staff-stopped"
    assert client.status is ClientStatus.STOPPED and len(outgoing(session)) == sent
    alert = session.scalar(sa.select(Alert).where(Alert.reason == "message"))
    assert alert.data == {"cause": "start_staff_stopped"}
    clients.resume(session, client, "sara@example.se")
    assert (client.status, client.stopped_by) == (ClientStatus.ACTIVE, None)
    assert actions(session)[-2:] == ["client.stop_all", "client.resume"]


def test_only_the_client_can_undo_their_own_stopp(session, rt, make_client):
    client = make_client()
    receive(session, rt, client, "STOPP")
    assert client.stopped_by == "client"
    with pytest.raises(clients.ClientError, match="only they can start messages again"):
        clients.resume(session, client, "sara@example.se")
    receive(session, rt, client, "START", at=NOON + timedelta(minutes=1))
    assert (client.status, client.stopped_by) == (ClientStatus.ACTIVE, None)


def test_a_clients_own_quiet_hours_replace_the_default(session, rt, make_client):
    rt.quiet = QuietHours.parse("20:00-08:00", "Europe/Stockholm")
    late_riser = make_client("Johan")
    clients.set_quiet_hours(session, rt, late_riser, "21:00–10:00", "sara@example.se")
    everyone = make_client("Amina")
    nine = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
    for client in (late_riser, everyone):
        conversations.start_now(session, rt, client, "activity_checkin", nine, by="test")
    session.commit()
    held, sent = outgoing(session)
    assert late_riser.quiet_hours == "21:00-10:00"
    assert held.send_after == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # 10:00 local
    assert sent.send_after == nine
    receive(session, rt, late_riser, "1", at=nine)  # an answer to their own SMS goes at once
    assert outgoing(session)[-1].send_after == nine


def test_quiet_hours_are_checked_and_a_bad_stored_value_falls_back(session, rt, make_client):
    client = make_client()
    with pytest.raises(clients.ClientError, match="expected HH:MM-HH:MM"):
        clients.set_quiet_hours(session, rt, client, "late", "sara@example.se")
    clients.set_quiet_hours(session, rt, client, "", "sara@example.se")
    assert client.quiet_hours is None
    rt.quiet = QuietHours.parse("20:00-08:00", "Europe/Stockholm")
    client.quiet_hours = "nonsense"
    evening = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
    conversations.start_now(session, rt, client, "activity_checkin", evening, by="test")
    assert outgoing(session)[0].send_after == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
