"""Schedules: a case manager's timing becomes nudges; preview, edit and cancel them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.models import (
    AuditEvent,
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Message,
    Schedule,
    ScheduleKind,
)
from bot.services import dispatch, schedules
from bot.services.schedules import ScheduleError
from tests.conftest import NOON

MEETING = {"offsets": ["-1d@09:00", "-2h"]}
CHECKINS = {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "time": "15:00", "weeks": 3,
            "start": "2026-12-21"}


def local(at: datetime, rt) -> str:
    return f"{at.astimezone(rt.tz):%Y-%m-%d %H:%M}"


def make(session, rt, client, flow="meeting_reminder", kind="event", spec=None, params=None,
         **kwargs):
    schedule = schedules.create_schedule(
        session, rt, client, flow, kind, MEETING if spec is None else spec,
        {"meeting_at": "2026-12-03T13:00"} if params is None else params, "sara@example.se",
        now=NOON, **kwargs)
    session.commit()
    return schedule


def actions(session) -> list[str]:
    return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_event_schedule_makes_one_nudge_per_time(session, rt, make_client):
    client = make_client()
    schedule = make(session, rt, client)
    nudges = schedules.nudges(session, schedule=schedule)
    assert [local(e.start_at, rt) for e in nudges] == ["2026-12-02 09:00", "2026-12-03 11:00"]
    assert {e.schedule_id for e in nudges} == {schedule.id}
    assert nudges[0].idempotency_key == f"schedule:{schedule.id}:2026-12-02T08:00:00+00:00"
    assert nudges[0].params == {"meeting_at": "2026-12-03T12:00:00+00:00"}
    assert (schedule.kind, schedule.created_by, schedule.skip_holidays) == (
        ScheduleKind.EVENT, "sara@example.se", True)
    assert schedule.spec["event_at"] == "2026-12-03T13:00:00+01:00"
    assert actions(session) == ["schedule.create"]
    audit = session.scalar(sa.select(AuditEvent))
    assert audit.detail == {"schedule": schedule.id, "flow": "meeting_reminder",
                            "kind": "event", "nudges": 2, "skipped": 0}


def test_the_event_time_can_be_given_as_the_spec_or_as_the_flows_param(session, rt,
                                                                     make_client):
    client = make_client()
    schedule = make(session, rt, client, spec={**MEETING, "event_at": "2026-12-03T13:00"},
                    params={})
    assert schedule.params == {"meeting_at": "2026-12-03T12:00:00+00:00"}
    with pytest.raises(ScheduleError, match="event_at: give the time of meeting_at"):
        schedules.preview(session, rt, client, "meeting_reminder", "event", MEETING, {},
                          now=NOON)


def test_an_event_without_an_event_param_is_now(session, rt, make_client):
    seen = schedules.preview(session, rt, make_client(), "motivation", "event",
                             {"offsets": ["+3wd@10:00"]}, now=NOON)
    assert [local(t, rt) for t in seen.times] == ["2026-11-27 10:00"]  # Tue + 3 working days


def test_making_the_same_schedule_twice_makes_it_once(session, rt, make_client):
    client = make_client()
    first = make(session, rt, client)
    again = make(session, rt, client)
    assert again.id == first.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 2
    assert session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 1


def test_preview_shows_every_occurrence_and_writes_nothing(session, rt, make_client):
    client = make_client(paused=True)
    seen = schedules.preview(session, rt, client, "activity_checkin", "recurring", CHECKINS,
                             now=NOON)
    assert len(seen.occurrences) == 15 and len(seen.times) == 10
    assert {o.note for o in seen.occurrences if o.skipped} == {
        "a holiday (Julafton); skipped", "a holiday (Juldagen); skipped",
        "a holiday (Nyårsafton); skipped", "a holiday (Nyårsdagen); skipped",
        "a holiday (Trettondedag jul); skipped"}
    assert seen.warnings == ["this client is paused: nudges due while paused are skipped"]
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_a_recurring_series_over_christmas(session, rt, make_client):
    schedule = make(session, rt, make_client(), "activity_checkin", "recurring", CHECKINS, {})
    starts = [local(e.start_at, rt)[5:] for e in schedules.nudges(session, schedule=schedule)]
    assert starts == ["12-21 15:00", "12-22 15:00", "12-23 15:00", "12-28 15:00",
                      "12-29 15:00", "12-30 15:00", "01-04 15:00", "01-05 15:00",
                      "01-07 15:00", "01-08 15:00"]


def test_a_recurring_series_starts_today_when_no_start_is_given(session, rt, make_client):
    spec = {"weekdays": ["tue"], "time": "15:00", "weeks": 2}
    schedule = make(session, rt, make_client(), "motivation", "recurring", spec, {})
    assert schedule.spec["start"] == "2026-11-24"
    assert len(schedules.nudges(session, schedule=schedule)) == 2


@pytest.mark.parametrize(("flow", "kind", "spec", "params", "message"), [
    ("no_such_flow", "once", {}, {}, "unknown flow 'no_such_flow'; known flows:"),
    ("motivation", "monthly", {}, {}, "kind 'monthly': expected one of"),
    ("meeting_reminder", "event", MEETING, {"meeting_at": "tomorrow"},
     "event_at: 'tomorrow' is not a time"),
    ("motivation", "once", {"at": "2026-12-01T10:00"}, {"room": "4"},
     "takes no parameter room"),
    ("motivation", "once", {"at": "2026-11-20T10:00"}, {},
     "nothing to schedule: 2026-11-20 10:00 has already passed; skipped"),
])
def test_bad_schedules_are_refused_with_what_to_change(session, rt, make_client, flow, kind,
                                                       spec, params, message):
    with pytest.raises(ScheduleError) as caught:
        schedules.create_schedule(session, rt, make_client(), flow, kind, spec, params,
                                  "sara@example.se", now=NOON)
    assert message in str(caught.value)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 0


def test_every_flows_default_timing_can_be_planned(session, rt, make_client):
    client = make_client()
    example = {"datetime": "2027-02-10T13:00", "text": "Bryggan"}
    with_default = [f for f in rt.flows.values() if f.trigger and f.trigger.default]
    for flow in with_default:
        kind, spec = schedules.default_timing(rt, flow.id)
        params = {name: example[kind_] for name, kind_ in flow.params.items()}
        seen = schedules.preview(session, rt, client, flow.id, kind, spec, params, now=NOON)
        assert seen.times, (flow.id, seen.occurrences)


def test_the_worker_starts_each_nudge_at_its_time(session, rt, make_client):
    client = make_client()
    spec = {"weekdays": ["wed", "thu"], "time": "10:00", "weeks": 1, "start": "2026-11-25"}
    make(session, rt, client, "motivation", "recurring", spec, {})
    wednesday = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert dispatch.run_due(session, rt, wednesday - timedelta(seconds=1)) == 0
    assert dispatch.run_due(session, rt, wednesday) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 1


def test_cancelling_a_schedule_stops_only_what_has_not_started(session, rt, make_client):
    client = make_client()
    schedule = make(session, rt, client)
    first, second = schedules.nudges(session, schedule=schedule)
    dispatch.run_due(session, rt, first.start_at)  # the day-before reminder is under way
    assert schedules.cancel_schedule(session, schedule, "sara@example.se", now=NOON) == 1
    session.commit()
    assert (first.status, second.status) == (EnrollmentStatus.WAITING,
                                             EnrollmentStatus.STOPPED)
    assert schedule.cancelled_at is not None
    assert schedules.cancel_schedule(session, schedule, "sara@example.se") == 0
    assert actions(session) == ["schedule.create", "schedule.cancel"]
    assert schedules.schedules_for(session, client) == []
    assert schedules.schedules_for(session, client, include_cancelled=True) == [schedule]


def test_one_nudge_can_be_cancelled_or_moved_until_it_starts(session, rt, make_client):
    schedule = make(session, rt, make_client())
    first, second = schedules.nudges(session, schedule=schedule)
    schedules.reschedule_enrollment(session, rt, second, "2026-12-03T10:30", "sara@example.se",
                                    now=NOON)
    session.commit()
    fire = session.scalar(sa.select(Fire).where(Fire.enrollment_id == second.id))
    assert local(fire.due_at, rt) == local(second.start_at, rt) == "2026-12-03 10:30"
    schedules.cancel_enrollment(session, second, "sara@example.se")
    session.commit()
    assert second.status is EnrollmentStatus.STOPPED
    assert session.get(Fire, fire.id).status is FireStatus.CANCELLED
    dispatch.run_due(session, rt, first.start_at)
    for change in (lambda e: schedules.cancel_enrollment(session, e, "sara@example.se"),
                   lambda e: schedules.reschedule_enrollment(session, rt, e,
                                                             "2026-12-03T10:00", "x")):
        with pytest.raises(ScheduleError, match="has started"):
            change(first)
        with pytest.raises(ScheduleError, match="has ended"):
            change(second)
    assert actions(session)[1:] == ["enrollment.reschedule", "enrollment.cancel"]


def test_a_nudge_cannot_be_moved_into_the_past(session, rt, make_client):
    [nudge, _] = schedules.nudges(session, schedule=make(session, rt, make_client()))
    with pytest.raises(ScheduleError, match="2026-11-20 10:00 has already passed"):
        schedules.reschedule_enrollment(session, rt, nudge, "2026-11-20T10:00", "x", now=NOON)


def test_a_nudge_a_worker_just_started_is_not_cancelled_under_it(session, rt, make_client):
    [nudge, _] = schedules.nudges(session, schedule=make(session, rt, make_client()))
    session.execute(sa.update(Fire).where(Fire.enrollment_id == nudge.id,
                                          Fire.kind == FireKind.START)
                    .values(status=FireStatus.DONE))  # as if a worker claimed it just now
    with pytest.raises(ScheduleError, match="has just started"):
        schedules.cancel_enrollment(session, nudge, "sara@example.se")
    assert nudge.status is EnrollmentStatus.SCHEDULED


def test_updating_a_schedule_replaces_the_nudges_still_to_come(session, rt, make_client):
    client = make_client()
    old = make(session, rt, client)
    with pytest.raises(ScheduleError, match="offsets"):
        schedules.update_schedule(session, rt, old, "sara@example.se", spec={"offsets": []},
                                  now=NOON)
    with pytest.raises(ScheduleError, match="nothing to schedule"):
        schedules.update_schedule(session, rt, old, "sara@example.se",
                                  spec={"offsets": ["-30d@09:00"]}, now=NOON)
    assert old.cancelled_at is None
    new = schedules.update_schedule(session, rt, old, "sara@example.se",
                                    spec={"offsets": ["-1d@10:00"]}, now=NOON)
    session.commit()
    assert old.cancelled_at is not None and new.id != old.id
    assert [e.status for e in schedules.nudges(session, schedule=old, upcoming=False)] == [
        EnrollmentStatus.STOPPED, EnrollmentStatus.STOPPED]
    assert [local(e.start_at, rt) for e in schedules.nudges(session, schedule=new)] == [
        "2026-12-02 10:00"]
    assert actions(session)[-3:] == ["schedule.cancel", "schedule.create", "schedule.update"]
    with pytest.raises(ScheduleError, match="was cancelled"):
        schedules.update_schedule(session, rt, old, "x", spec=MEETING)


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_schedules_on_both_databases(session, rt, make_client):
    client = make_client()
    schedule = make(session, rt, client, "activity_checkin", "recurring", CHECKINS, {})
    assert make(session, rt, client, "activity_checkin", "recurring", CHECKINS, {}).id == (
        schedule.id)
    assert len(schedules.nudges(session, client=client)) == 10
    assert schedules.cancel_schedule(session, schedule, "sara@example.se", now=NOON) == 10
    session.commit()
    assert schedules.nudges(session, client=client) == []
