"""Things that happen to a case and start a flow by themselves (DOMAIN: "system").

A new case manager introduces themselves; a case closed to work or studies ends the
client's nudges and asks, once, what helped. The change itself always happens and is
audited (the reports count case manager changes and why cases close); the flow it starts
uses the flow's default timing. When that flow is not installed the change still stands
and the returned `Outcome` says plainly that no message was scheduled.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import sqlalchemy.orm as so

from bot.models import Client, Role, Schedule, ScheduleKind, Staff, utcnow
from bot.services import conversations, schedules
from bot.services.audit import audit
from bot.services.runtime import Runtime

CloseReason = Literal["work", "studies"]
# Used when a flow file has no default timing of its own.
AT_ONCE: tuple[ScheduleKind, dict] = (ScheduleKind.ONCE, {"at": "now"})


class EventError(ValueError):
    """An event that cannot be recorded; the message says what is wrong."""


@dataclass(frozen=True)
class Outcome:
    """What an event started: the schedule of its flow, or why nothing was scheduled."""

    schedule: Schedule | None
    problem: str | None = None


def case_reassigned(db: so.Session, rt: Runtime, client: Client, new_case_manager: Staff,
                    by: str, *, actor_id: int | None = None, now: datetime | None = None
                    ) -> Outcome:
    """Make `new_case_manager` the client's case manager and start `new_case_manager`
    (at once by default; quiet hours apply). Nudges already planned keep going and name
    the new case manager, since names are filled in when a message is made."""
    now = now or utcnow()
    if new_case_manager.role is not Role.CASE_MANAGER or not new_case_manager.active:
        raise EventError(f"staff {new_case_manager.id} is not an active case manager")
    before = client.case_manager_id
    if before == new_case_manager.id:
        return Outcome(None, "no change: this is already the client's case manager")
    client.case_manager_id, client.case_manager = new_case_manager.id, new_case_manager
    audit(db, by, "case.reassign", f"client:{client.id}", actor_id=actor_id, at=now,
          detail={"from": before, "to": new_case_manager.id})
    return _start(db, rt, client, "new_case_manager", by, actor_id, now)


def case_closed(db: so.Session, rt: Runtime, client: Client, reason: CloseReason, by: str,
                *, actor_id: int | None = None, now: datetime | None = None) -> Outcome:
    """Close the case: every open nudge and schedule is cancelled, then `exit_feedback`
    asks once what helped (by default 3 working days later at 10:00, from the flow)."""
    now = now or utcnow()
    if reason not in ("work", "studies"):
        raise EventError(f"reason {reason!r}: expected work or studies")
    for schedule in schedules.schedules_for(db, client):
        schedules.cancel_schedule(db, schedule, by, actor_id=actor_id, now=now)
    ended = conversations.open_enrollments(db, client)
    for enrollment in ended:
        conversations.stop(db, enrollment)
    audit(db, by, "case.close", f"client:{client.id}", actor_id=actor_id, at=now,
          detail={"reason": reason, "stopped": len(ended)})
    return _start(db, rt, client, "exit_feedback", by, actor_id, now, reason=reason)


def _start(db: so.Session, rt: Runtime, client: Client, flow_id: str, by: str,
           actor_id: int | None, now: datetime, **known: str) -> Outcome:
    """Schedule a system flow with its default timing; a missing flow is reported."""
    if flow_id not in rt.flows:
        return Outcome(None, f"flow {flow_id!r} is not installed (flows/{flow_id}.yaml): "
                             "no message was scheduled")
    kind, spec = schedules.default_timing(rt, flow_id) or AT_ONCE
    flow = rt.flow(flow_id)
    params = {name: value for name, value in known.items() if name in flow.params}
    try:
        schedule = schedules.create_schedule(db, rt, client, flow_id, kind, spec, params, by,
                                             actor_id=actor_id, now=now)
    except schedules.ScheduleError as exc:
        return Outcome(None, f"{flow_id}: {exc}")
    return Outcome(schedule)
