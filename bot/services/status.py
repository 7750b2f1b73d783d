"""Delivery status callbacks: record every one, move a message's status forward only."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models import Direction, Message, MessageStatus, StatusEvent
from bot.services import alerts

FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)


def record(db: so.Session, sid: str, status: str, error_code: str | None, now: datetime) -> str:
    """Apply one callback for provider message `sid`; returns what happened (for logs)."""
    # Callbacks are about what Knuff sent: an inbound row (same sid space) is never touched.
    msg = db.scalar(sa.select(Message).where(Message.provider_sid == sid,
                                             Message.direction == Direction.OUT)
                    .with_for_update())
    if msg is None:
        return "unknown-message"
    try:
        new = MessageStatus(status)
    except ValueError:
        new = None
    applied = new is not None and new.rank > msg.status.rank
    db.add(StatusEvent(message_id=msg.id, status=status[:20], error_code=error_code,
                       applied=applied, received_at=now))
    if not applied:
        return "ignored"
    msg.status = new
    msg.updated_at = now
    if error_code:
        msg.error_code = error_code
    if new in FAILED:
        alerts.delivery_failed(db, msg, error_code, now)
    return new.value
