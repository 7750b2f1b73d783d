"""The worker's schedule: due fires run once, stale timers are ignored, quiet hours hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.messaging.quiet_hours import QuietHours
from bot.models import Enrollment, EnrollmentStatus, Fire, FireKind, FireStatus, Message
from bot.services import conversations, dispatch, inbound
from tests.conftest import NOON


def enrol(session, rt, client, flow="activity_checkin", at=NOON, **params):
    enrollment = conversations.enrol(session, rt, client, flow, at=at, params=params, by="test")
    session.commit()
    return enrollment


def texts(session) -> list[str]:
    return [m.body for m in session.scalars(
        sa.select(Message).where(Message.direction == "out").order_by(Message.id))]


def test_a_fire_runs_when_due_and_not_before(session, rt, make_client):
    enrollment = enrol(session, rt, make_client())
    assert dispatch.run_due(session, rt, NOON - timedelta(seconds=1)) == 0
    assert dispatch.run_due(session, rt, NOON) == 1
    assert dispatch.run_due(session, rt, NOON) == 0
    assert enrollment.status is EnrollmentStatus.WAITING
    assert len(texts(session)) == 1


def test_enrolling_twice_with_the_same_key_schedules_once(session, rt, make_client):
    client = make_client()
    first = enrol(session, rt, client)
    again = enrol(session, rt, client)
    assert first.id == again.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Fire)) == 1


def test_timeout_takes_the_timeout_branch(session, rt, make_client):
    client = make_client()
    enrollment = enrol(session, rt, client)
    dispatch.run_due(session, rt, NOON)
    wake = session.scalar(sa.select(Fire).where(Fire.kind == FireKind.WAKE))
    dispatch.run_due(session, rt, wake.due_at)
    assert enrollment.answers["attended"]["value"] == "timeout"
    assert not enrollment.status.open


def test_a_timer_made_stale_by_a_reply_does_nothing(session, rt, make_client):
    client = make_client()
    enrollment = enrol(session, rt, client)
    dispatch.run_due(session, rt, NOON)
    first_wake = session.scalar(sa.select(Fire).where(Fire.kind == FireKind.WAKE))
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, "3"), NOON)
    session.commit()
    asked = len(texts(session))
    first_wake.status = FireStatus.PENDING  # even if it were still pending
    session.commit()
    dispatch.run_fire(session, rt, first_wake, first_wake.due_at)
    assert len(texts(session)) == asked
    assert enrollment.step == "reason"


def test_quiet_hours_hold_nudges_until_they_end(session, rt, make_client):
    rt.quiet = QuietHours.parse("20:00-08:00", "Europe/Stockholm")
    evening = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # 21:00 in Stockholm
    enrol(session, rt, make_client(), at=evening)
    assert dispatch.run_due(session, rt, evening) == 0
    assert dispatch.run_due(session, rt, datetime(2026, 11, 25, 6, 59, tzinfo=UTC)) == 0
    assert dispatch.run_due(session, rt, datetime(2026, 11, 25, 7, 0, tzinfo=UTC)) == 1


def test_expiry_closes_an_unanswered_conversation(session, rt, make_client):
    enrollment = enrol(session, rt, make_client(), flow="motivation")
    dispatch.run_due(session, rt, NOON)
    expire = session.scalar(sa.select(Fire).where(Fire.kind == FireKind.EXPIRE))
    session.execute(sa.update(Fire).where(Fire.kind == FireKind.WAKE)
                    .values(status=FireStatus.CANCELLED))
    dispatch.run_due(session, rt, expire.due_at)
    assert enrollment.status is EnrollmentStatus.EXPIRED


def test_a_new_question_closes_the_open_one_so_a_digit_means_one_thing(session, rt,
                                                                       make_client):
    client = make_client()
    older = enrol(session, rt, client, flow="motivation")
    dispatch.run_due(session, rt, NOON)
    newer = enrol(session, rt, client, at=NOON + timedelta(minutes=5))
    dispatch.run_due(session, rt, NOON + timedelta(minutes=5))
    assert older.status is EnrollmentStatus.EXPIRED
    assert newer.status is EnrollmentStatus.WAITING


def test_a_failing_fire_is_retried_then_marked_failed(session, rt, make_client, monkeypatch):
    enrol(session, rt, make_client())

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(conversations, "begin", broken)
    for _ in range(dispatch.MAX_FIRE_ATTEMPTS):
        dispatch.run_due(session, rt, NOON)
    fire = session.scalar(sa.select(Fire))
    assert fire.status is FireStatus.FAILED and fire.last_error == "RuntimeError: boom"


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_run_fires_are_done_in_the_database_and_in_the_session(session, rt, make_client, app):
    for i in range(3):
        enrol(session, rt, make_client(f"C{i}"))
    held = session.scalars(sa.select(Fire).where(Fire.kind == FireKind.START)).all()
    assert dispatch.run_due(session, rt, NOON) == 3
    with app.extensions["knuff.engine"].connect() as conn:  # not the session's objects
        stored = conn.execute(sa.select(Fire.status, Fire.done_at)
                              .where(Fire.kind == FireKind.START)).all()
    assert stored == [(FireStatus.DONE, NOON)] * 3
    # The objects the session holds say the same, and have nothing left to flush.
    assert {(f.status, f.done_at) for f in held} == {(FireStatus.DONE, NOON)}
    assert not any(f in session.dirty for f in held)


def test_when_one_fire_fails_the_others_are_done_and_it_waits_for_a_retry(
        session, rt, make_client, monkeypatch):
    clients = [make_client(f"C{i}") for i in range(3)]
    for client in clients:
        enrol(session, rt, client)
    begin = conversations.begin

    def fails_for_c1(db, rt_, enrollment, *args, **kwargs):
        if enrollment.client.first_name == "C1":
            raise RuntimeError("boom")
        return begin(db, rt_, enrollment, *args, **kwargs)

    monkeypatch.setattr(conversations, "begin", fails_for_c1)
    assert dispatch.run_due(session, rt, NOON) == 3
    session.expire_all()
    by_name = {f.enrollment.client.first_name: f for f in session.scalars(
        sa.select(Fire).where(Fire.kind == FireKind.START))}
    assert [(by_name[n].status, by_name[n].attempts) for n in ("C0", "C1", "C2")] == [
        (FireStatus.DONE, 0), (FireStatus.PENDING, 1), (FireStatus.DONE, 0)]


def test_stopped_client_gets_no_nudge(session, rt, make_client):
    client = make_client()
    enrollment = enrol(session, rt, client)
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, "STOP"), NOON)
    session.commit()
    dispatch.run_due(session, rt, NOON)
    assert enrollment.status is EnrollmentStatus.STOPPED


@pytest.mark.parametrize("given, problem", [
    ({}, "needs --param meeting_at"),
    ({"meeting_at": "tomorrow"}, "is not an ISO-8601 time"),
    ({"meeting_at": "2026-03-29T02:30"}, "does not exist in Europe/Stockholm"),
    ({"meeting_at": "2026-12-01T10:00", "room": "4"}, "takes no parameter room"),
])
def test_enrolment_parameters_are_checked(session, rt, make_client, given, problem):
    with pytest.raises(conversations.EnrolError, match=problem):
        conversations.enrol(session, rt, make_client(), "meeting_reminder", at=NOON,
                            params=given, by="test")


def test_meeting_reminder_reminds_again_two_hours_before(session, rt, make_client):
    client = make_client()
    enrol(session, rt, client, flow="meeting_reminder",
          meeting_at="2026-11-25T14:00")
    dispatch.run_due(session, rt, NOON)
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, "1"), NOON)
    session.commit()
    wait = session.scalar(sa.select(Fire).where(Fire.kind == FireKind.WAKE,
                                                Fire.status == FireStatus.PENDING))
    assert wait.due_at == datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 12:00 local
    dispatch.run_due(session, rt, wait.due_at)
    assert "14:00" in texts(session)[-1]
    enrollment = session.scalar(sa.select(Enrollment))
    assert enrollment.status is EnrollmentStatus.COMPLETED
