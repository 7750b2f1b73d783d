"""Schedules: what a case manager (or the system) asks for, stored as one nudge each.

`bot.scheduling` plans a spec into times (pure; the spec format and the holiday, DST and
past-time rules are documented there). This module previews a plan for the staff app's
confirmation page, stores a `Schedule` with one `Enrollment` per time (idempotent keys
from the schedule id and the time), and edits or cancels nudges that have not started.
A nudge that has started is a conversation and stays as it is. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.flows.schema import Flow
from bot.models import (
    Client,
    ClientStatus,
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Schedule,
    ScheduleKind,
    utcnow,
)
from bot.scheduling import Occurrence, Plan, ScheduleError, parse_local, plan
from bot.services import conversations
from bot.services.audit import audit
from bot.services.runtime import Runtime

__all__ = ["Occurrence", "Plan", "Preview", "ScheduleError", "cancel_enrollment",
           "cancel_schedule", "create_schedule", "default_timing", "nudges", "plan",
           "preview", "reschedule_enrollment", "schedules_for", "update_schedule"]


@dataclass(frozen=True)
class Preview:
    """What a schedule would do, for the confirmation page: every occurrence (kept, moved
    or skipped, with why), the spec and params as they would be stored, and warnings."""

    flow_id: str
    kind: ScheduleKind
    spec: dict[str, Any]
    params: dict[str, Any]
    skip_holidays: bool
    occurrences: list[Occurrence]
    warnings: list[str]

    @property
    def times(self) -> list[datetime]:
        """When the nudges would start (aware UTC)."""
        return [o.at for o in self.occurrences if o.at is not None]


def default_timing(rt: Runtime, flow_id: str) -> tuple[ScheduleKind, dict[str, Any]] | None:
    """A flow's default timing from its `trigger.default` (None when it has none), for the
    staff app to fill in the form."""
    trigger = _flow(rt, flow_id).trigger
    if trigger is None or trigger.default is None:
        return None
    return ScheduleKind(trigger.default.kind), trigger.default.spec()


def preview(db: so.Session, rt: Runtime, client: Client, flow_id: str, kind: str,
            spec: dict[str, Any], params: dict[str, Any] | None = None, *,
            skip_holidays: bool = True, now: datetime | None = None) -> Preview:
    """Plan a schedule without writing anything; ScheduleError says what to change."""
    now = now or utcnow()
    flow = _flow(rt, flow_id)
    kind = _kind(kind)
    spec, stored = _prepare(rt, flow, kind, spec, params or {}, now)
    planned = plan(kind, spec, now=now, tz=rt.tz, skip_holidays=skip_holidays)
    return Preview(flow.id, kind, planned.spec, stored, skip_holidays, planned.occurrences,
                   _warnings(client, planned))


def create_schedule(db: so.Session, rt: Runtime, client: Client, flow_id: str, kind: str,
                    spec: dict[str, Any], params: dict[str, Any] | None, by: str,
                    skip_holidays: bool = True, *, actor_id: int | None = None,
                    now: datetime | None = None) -> Schedule:
    """Store a schedule and one nudge (enrolment) per planned time. The same schedule
    made again while its first one still has nudges to come returns the first one."""
    now = now or utcnow()
    seen = _something(preview(db, rt, client, flow_id, kind, spec, params,
                              skip_holidays=skip_holidays, now=now))
    same = _live_twin(db, client, seen)
    if same is not None:
        return same
    schedule = Schedule(client_id=client.id, flow_id=seen.flow_id, kind=seen.kind,
                        spec=seen.spec, params=seen.params, skip_holidays=skip_holidays,
                        created_by=by, created_at=now)
    db.add(schedule)
    db.flush()
    for at in seen.times:
        enrollment = conversations.enrol(db, rt, client, seen.flow_id, at=at,
                                         params=seen.params, by=by,
                                         key=f"schedule:{schedule.id}:{at.isoformat()}")
        enrollment.schedule_id = schedule.id
    audit(db, by, "schedule.create", f"client:{client.id}", actor_id=actor_id, at=now,
          detail={"schedule": schedule.id, "flow": seen.flow_id, "kind": seen.kind.value,
                  "nudges": len(seen.times),
                  "skipped": len(seen.occurrences) - len(seen.times)})
    return schedule


def cancel_schedule(db: so.Session, schedule: Schedule, by: str, *,
                    actor_id: int | None = None, now: datetime | None = None) -> int:
    """Cancel a schedule's nudges that have not started; returns how many. Conversations
    already under way go on (the client may be answering)."""
    now = now or utcnow()
    if schedule.cancelled_at is not None:
        return 0
    schedule.cancelled_at = now
    cancelled = sum(_cancel(db, e) for e in _pending(db, schedule))
    audit(db, by, "schedule.cancel", f"client:{schedule.client_id}", actor_id=actor_id,
          at=now, detail={"schedule": schedule.id, "cancelled": cancelled})
    return cancelled


def cancel_enrollment(db: so.Session, enrollment: Enrollment, by: str, *,
                      actor_id: int | None = None, now: datetime | None = None) -> None:
    """Cancel one nudge that has not started yet."""
    _editable(enrollment)
    if not _cancel(db, enrollment):
        raise ScheduleError("this nudge has just started; it can no longer be cancelled")
    audit(db, by, "enrollment.cancel", f"client:{enrollment.client_id}", actor_id=actor_id,
          at=now, detail={"enrollment": enrollment.id, "flow": enrollment.flow_id})


def reschedule_enrollment(db: so.Session, rt: Runtime, enrollment: Enrollment,
                          new_time: datetime | str, by: str, *, actor_id: int | None = None,
                          now: datetime | None = None) -> Enrollment:
    """Move one nudge that has not started to `new_time` (local time unless it has an
    offset). The case manager chose the time, so a holiday is not moved away from."""
    now = now or utcnow()
    _editable(enrollment)
    at = parse_local(new_time, rt.tz, "new time")
    if at < now:
        raise ScheduleError(f"{at.astimezone(rt.tz):%Y-%m-%d %H:%M} has already passed")
    moved = db.execute(
        sa.update(Fire).where(Fire.enrollment_id == enrollment.id, Fire.kind == FireKind.START,
                              Fire.status == FireStatus.PENDING)
        .values(due_at=at).execution_options(synchronize_session=False)).rowcount
    if not moved:
        raise ScheduleError("this nudge has just started; it can no longer be moved")
    before, enrollment.start_at = enrollment.start_at, at
    audit(db, by, "enrollment.reschedule", f"client:{enrollment.client_id}",
          actor_id=actor_id, at=now, detail={"enrollment": enrollment.id,
                                             "from": before.isoformat(), "to": at.isoformat()})
    return enrollment


def update_schedule(db: so.Session, rt: Runtime, schedule: Schedule, by: str, *,
                    kind: str | None = None, spec: dict[str, Any] | None = None,
                    params: dict[str, Any] | None = None, skip_holidays: bool | None = None,
                    actor_id: int | None = None, now: datetime | None = None) -> Schedule:
    """Change a schedule: its nudges still to come are cancelled and a new schedule is
    made from the new timing (what is not given stays). Returns the new schedule."""
    now = now or utcnow()
    if schedule.cancelled_at is not None:
        raise ScheduleError("this schedule was cancelled; make a new one instead")
    client = db.get_one(Client, schedule.client_id)
    kind = kind or schedule.kind
    spec = spec if spec is not None else schedule.spec
    params = params if params is not None else schedule.params
    keep = schedule.skip_holidays if skip_holidays is None else skip_holidays
    _something(preview(db, rt, client, schedule.flow_id, kind, spec, params,
                       skip_holidays=keep, now=now))  # a bad new timing changes nothing
    cancel_schedule(db, schedule, by, actor_id=actor_id, now=now)
    new = create_schedule(db, rt, client, schedule.flow_id, kind, spec, params, by, keep,
                          actor_id=actor_id, now=now)
    audit(db, by, "schedule.update", f"client:{client.id}", actor_id=actor_id, at=now,
          detail={"from": schedule.id, "to": new.id})
    return new


def schedules_for(db: so.Session, client: Client, *, include_cancelled: bool = False
                  ) -> list[Schedule]:
    """A client's schedules, newest first."""
    query = sa.select(Schedule).where(Schedule.client_id == client.id)
    if not include_cancelled:
        query = query.where(Schedule.cancelled_at.is_(None))
    return list(db.scalars(query.order_by(Schedule.created_at.desc(), Schedule.id.desc())))


def nudges(db: so.Session, *, client: Client | None = None, schedule: Schedule | None = None,
           upcoming: bool = True) -> list[Enrollment]:
    """A client's (or a schedule's) nudges in start order; `upcoming` keeps those that
    have not started."""
    query = sa.select(Enrollment).order_by(Enrollment.start_at, Enrollment.id)
    if client is not None:
        query = query.where(Enrollment.client_id == client.id)
    if schedule is not None:
        query = query.where(Enrollment.schedule_id == schedule.id)
    if upcoming:
        query = query.where(Enrollment.status == EnrollmentStatus.SCHEDULED)
    return list(db.scalars(query))


# --- helpers ------------------------------------------------------------------------------

def _flow(rt: Runtime, flow_id: str) -> Flow:
    try:
        return rt.flow(flow_id)
    except LookupError as exc:
        raise ScheduleError(str(exc).strip("'\"")) from None


def _kind(kind: str) -> ScheduleKind:
    try:
        return ScheduleKind(kind)
    except ValueError:
        raise ScheduleError(f"kind {kind!r}: expected one of "
                            f"{', '.join(k.value for k in ScheduleKind)}") from None


def _prepare(rt: Runtime, flow: Flow, kind: ScheduleKind, spec: dict[str, Any],
             params: dict[str, Any], now: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fill in what the spec leaves to its context and check the flow's params: an event
    schedule's time and the flow's event param are the same thing, given either way (no
    event param: the event is now, e.g. "3 working days after agreeing a step"); a
    recurring series without a start starts today."""
    spec, params = dict(spec or {}), dict(params)
    event = _event_param(flow)
    if kind is ScheduleKind.EVENT:
        if spec.get("event_at") in (None, "") and event and params.get(event):
            spec["event_at"] = params[event]
        if spec.get("event_at") in (None, ""):
            if event:
                raise ScheduleError(f"event_at: give the time of {event}")
            spec["event_at"] = now
        at = parse_local(spec["event_at"], rt.tz, "event_at")
        spec["event_at"] = at.astimezone(rt.tz).isoformat()
        if event and not params.get(event):
            params[event] = spec["event_at"]
    elif kind is ScheduleKind.RECURRING and not spec.get("start"):
        spec["start"] = now.astimezone(rt.tz).date().isoformat()
    try:
        return spec, conversations.check_params(flow, params, rt.tz)
    except conversations.EnrolError as exc:
        raise ScheduleError(str(exc)) from None


def _event_param(flow: Flow) -> str | None:
    """The datetime param an event schedule is relative to: the trigger's `event`, else
    the flow's only datetime param."""
    if flow.trigger is not None and flow.trigger.event is not None:
        return flow.trigger.event
    found = [name for name, kind in flow.params.items() if kind == "datetime"]
    return found[0] if len(found) == 1 else None


def _something(seen: Preview) -> Preview:
    """The preview, if it schedules anything; else ScheduleError with every reason."""
    if not seen.times:
        reasons = "; ".join(o.note or o.label for o in seen.occurrences) or "no times"
        raise ScheduleError(f"nothing to schedule: {reasons}")
    return seen


def _warnings(client: Client, planned: Plan) -> list[str]:
    found = []
    if client.status is ClientStatus.STOPPED:
        found.append("messages to this client are stopped: nothing is sent until "
                     + ("they write START" if client.stopped_by != "staff"
                        else "staff resume them"))
    if client.paused:
        found.append("this client is paused: nudges due while paused are skipped")
    if not planned.times:
        found.append("nothing would be sent: every time is past or skipped")
    return found


def _live_twin(db: so.Session, client: Client, seen: Preview) -> Schedule | None:
    """An identical schedule for the client that still has nudges to come."""
    for schedule in db.scalars(sa.select(Schedule).where(
            Schedule.client_id == client.id, Schedule.flow_id == seen.flow_id,
            Schedule.kind == seen.kind, Schedule.cancelled_at.is_(None))):
        if (schedule.spec, schedule.params, schedule.skip_holidays) == (
                seen.spec, seen.params, seen.skip_holidays) and nudges(db, schedule=schedule):
            return schedule
    return None


def _pending(db: so.Session, schedule: Schedule) -> list[Enrollment]:
    return nudges(db, schedule=schedule)


def _editable(enrollment: Enrollment) -> None:
    if enrollment.status is EnrollmentStatus.WAITING:
        raise ScheduleError("this nudge has started (a conversation is under way); only "
                            "nudges that have not started can be changed")
    if enrollment.status is not EnrollmentStatus.SCHEDULED:
        raise ScheduleError(f"this nudge has ended ({enrollment.status.value}); only "
                            "nudges that have not started can be changed")


def _cancel(db: so.Session, enrollment: Enrollment) -> bool:
    """Stop a nudge unless a worker started it meanwhile: its start fire is cancelled
    only while still pending (on PostgreSQL the update waits for a worker's lock)."""
    cancelled = db.execute(
        sa.update(Fire).where(Fire.enrollment_id == enrollment.id, Fire.kind == FireKind.START,
                              Fire.status == FireStatus.PENDING)
        .values(status=FireStatus.CANCELLED).execution_options(synchronize_session=False)
    ).rowcount
    if cancelled:
        conversations.stop(db, enrollment)
    return bool(cancelled)
