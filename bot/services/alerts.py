"""The alerts inbox: listing alerts of the clients a staff member may see, and marking them
handled (or open again). Alerts themselves are raised by the conversation, inbound and
outbound services; this module only reads and settles them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models import Alert, Client, Enrollment, Staff
from bot.services.audit import audit


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
