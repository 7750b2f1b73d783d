"""Alerts: the one place that raises them, and the inbox that lists the alerts of the
clients a staff member may see and marks them handled (or open again).

An alert is a reason code plus structured data (the raising step, a language, an error
code…), never prose: the staff app words it in the staff member's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models import Alert, Client, ClientStatus, Enrollment, Message, Staff
from bot.services.audit import audit

UNSUBSCRIBED = "21610"  # Twilio: the recipient has opted out at the carrier


def raise_alert(db: so.Session, client_id: int, reason: str, *, now: datetime,
                enrollment_id: int | None = None, answer: dict | None = None,
                data: dict | None = None) -> Alert:
    """Tell the case manager: add an alert with a reason code, the client's `answer` that
    led to it (if any) and structured `data` for the staff app to word. Every alert is
    written here, in the caller's transaction."""
    alert = Alert(client_id=client_id, enrollment_id=enrollment_id, reason=reason,
                  answer=answer, data=data or None, created_at=now)
    db.add(alert)
    return alert


def delivery_failed(db: so.Session, msg: Message, error_code: str | None, now: datetime
                    ) -> None:
    """Record that an SMS to a client will not arrive (a send refused for good, or a
    status callback saying so): the case manager is told, and a number unsubscribed at
    the carrier (21610) stops getting SMS. The caller has marked the message itself."""
    if msg.client is None:
        return
    if error_code == UNSUBSCRIBED:
        msg.client.status = ClientStatus.STOPPED
    raise_alert(db, msg.client_id, "delivery_failed", enrollment_id=msg.enrollment_id,
                data={"error_code": error_code}, now=now)


@dataclass(frozen=True)
class Row:
    alert: Alert
    client_id: int
    first_name: str
    language: str
    flow_id: str | None  # the flow that raised it, if any
    handled_by: str | None  # first name of whoever marked it handled
    case_manager: str | None = None  # the client's case manager's first name


def _filtered(clients: sa.Select, handled: bool, reason: str | None) -> list:
    where = [Alert.client_id.in_(clients),
             Alert.handled_at.is_not(None) if handled else Alert.handled_at.is_(None)]
    if reason:
        where.append(Alert.reason == reason)
    return where


def inbox(s: so.Session, clients: sa.Select, *, handled: bool = False,
          reason: str | None = None, offset: int = 0, limit: int = 50) -> list[Row]:
    """Open (or handled) alerts of `clients` (a SELECT of client ids), newest first."""
    handler, manager = so.aliased(Staff), so.aliased(Staff)
    query = (sa.select(Alert, Client.first_name, Client.language, Enrollment.flow_id,
                       handler.first_name, manager.first_name)
             .join(Client, Client.id == Alert.client_id)
             .outerjoin(manager, manager.id == Client.case_manager_id)
             .outerjoin(Enrollment, Enrollment.id == Alert.enrollment_id)
             .outerjoin(handler, handler.id == Alert.handled_by_id)
             .where(*_filtered(clients, handled, reason))
             .order_by(*((Alert.handled_at.desc(),) if handled else ()),
                       Alert.created_at.desc(), Alert.id.desc())
             .offset(offset).limit(limit))
    return [Row(alert, alert.client_id, name, lang, flow, by, cm)
            for alert, name, lang, flow, by, cm in s.execute(query)]


def reasons(s: so.Session, clients: sa.Select, *, handled: bool = False) -> dict[str, int]:
    """How many open (or handled) alerts there are of each reason."""
    rows = s.execute(sa.select(Alert.reason, sa.func.count())
                     .where(*_filtered(clients, handled, None))
                     .group_by(Alert.reason).order_by(Alert.reason))
    return {reason: n for reason, n in rows}


def _visible(s: so.Session, clients: sa.Select, ids: Sequence[int]) -> list[Alert] | None:
    """The alerts with these ids, or None when any of them is missing or not visible."""
    wanted = set(ids)
    found = s.scalars(sa.select(Alert).where(Alert.id.in_(wanted),
                                             Alert.client_id.in_(clients))).all()
    return list(found) if wanted and len(found) == len(wanted) else None


def mark_handled(s: so.Session, clients: sa.Select, ids: Sequence[int], staff: Staff,
                 now: datetime) -> list[Alert] | None:
    """Mark these alerts handled by `staff`, audited. None (and nothing changed) when any
    id is not an alert of `clients`; alerts already handled keep who handled them."""
    alerts = _visible(s, clients, ids)
    if alerts is None:
        return None
    changed = [a for a in alerts if a.handled_at is None]
    for alert in changed:
        alert.handled_at, alert.handled_by_id = now, staff.id
        audit(s, staff.email, "alert.handle", f"client:{alert.client_id}", actor_id=staff.id,
              detail={"alert": alert.id, "reason": alert.reason}, at=now)
    return changed


def reopen(s: so.Session, clients: sa.Select, alert_id: int, staff: Staff,
           now: datetime) -> Alert | None:
    """Put a handled alert back in the inbox (a mistaken click), audited."""
    alerts = _visible(s, clients, [alert_id])
    if alerts is None:
        return None
    alert = alerts[0]
    if alert.handled_at is not None:
        alert.handled_at = alert.handled_by_id = None
        audit(s, staff.email, "alert.reopen", f"client:{alert.client_id}", actor_id=staff.id,
              detail={"alert": alert.id, "reason": alert.reason}, at=now)
    return alert
