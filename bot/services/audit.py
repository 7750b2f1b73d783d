"""The audit trail: every staff action (and operator command) leaves a row."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy.orm as so

from bot.models import AuditEvent, utcnow


def audit(db: so.Session, actor: str, action: str, target: str | None, *,
          actor_id: int | None = None, detail: dict | None = None,
          at: datetime | None = None) -> None:
    """Record who did what to which target. Never put message bodies or phone numbers in
    `detail`: the trail is kept longer than messages are."""
    db.add(AuditEvent(actor=actor, actor_id=actor_id, action=action, target=target,
                      detail=detail, created_at=at or utcnow()))
