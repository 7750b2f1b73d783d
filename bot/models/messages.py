"""Messages in and out, their delivery history, and alerts for staff."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models.base import Base, utcnow
from bot.models.people import Client, _enum


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class MessageStatus(enum.StrEnum):
    """Twilio's message statuses plus Knuff's own outbox states."""

    RECEIVED = "received"  # inbound, stored by the webhook, waiting for the worker
    HANDLED = "handled"  # inbound, taken by the worker (the conversation has moved on)
    QUEUED = "queued"  # persisted in the outbox, not yet handed to the provider
    CLAIMED = "claimed"  # taken by a worker, not yet handed to the provider
    SENDING = "sending"  # being handed to the provider right now
    ACCEPTED = "accepted"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"
    SUPPRESSED = "suppressed"  # not sent: the client had stopped messages
    UNKNOWN = "unknown"  # interrupted mid-send; not resent, to never send twice

    @property
    def rank(self) -> int:
        """Order in a message's life; a status callback may only move it forward."""
        return _RANK[self]


_RANK = {
    # Inbound rows are never moved by a status callback (status.record ignores them), and
    # rank 0 means no callback can ever move an outbound row to an inbound status.
    MessageStatus.RECEIVED: 0, MessageStatus.HANDLED: 0, MessageStatus.QUEUED: 0,
    MessageStatus.CLAIMED: 1, MessageStatus.SENDING: 1,
    MessageStatus.ACCEPTED: 2, MessageStatus.SENT: 3, MessageStatus.UNKNOWN: 3,
    MessageStatus.DELIVERED: 4, MessageStatus.UNDELIVERED: 4, MessageStatus.FAILED: 4,
    MessageStatus.SUPPRESSED: 4, MessageStatus.READ: 5,
}


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_outbox", "status", "send_after"),
        sa.Index("ix_messages_client_created", "client_id", "created_at"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE")
    )
    enrollment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    # Only for recipients who are not clients (unknown numbers); cleared once sent.
    phone: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    direction: so.Mapped[Direction] = so.mapped_column(_enum(Direction, "direction"))
    key: so.Mapped[str | None] = so.mapped_column(sa.String(160))  # flow.step of the text
    body: so.Mapped[str | None] = so.mapped_column(sa.Text)  # None once retention removed it
    language: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    fallback_from: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    encoding: so.Mapped[str | None] = so.mapped_column(sa.String(8))
    segments: so.Mapped[int] = so.mapped_column(default=0)
    status: so.Mapped[MessageStatus] = so.mapped_column(_enum(MessageStatus, "message_status"))
    provider_sid: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    error_code: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    send_after: so.Mapped[datetime | None]
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    sent_at: so.Mapped[datetime | None]
    # Set explicitly by the outbound path (the worker's `now`); crash recovery relies on it.
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    client: so.Mapped[Client | None] = so.relationship()

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.direction.value} {self.status.value}>"


class StatusEvent(Base):
    """Every delivery-status callback, as received, in order."""

    __tablename__ = "status_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    message_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    status: so.Mapped[str] = so.mapped_column(sa.String(20))
    error_code: so.Mapped[str | None] = so.mapped_column(sa.String(16))
    applied: so.Mapped[bool]  # False when it would have moved the status backwards
    received_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)


class Alert(Base):
    """Something a case manager should look at: a help request, an absence, a failure.

    A reason code plus structured `data` (the raising step, a language, an error code…)
    that the staff app words in its own language; `note` is prose kept by older rows.
    """

    __tablename__ = "alerts"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="SET NULL")
    )
    reason: so.Mapped[str] = so.mapped_column(sa.String(40))
    note: so.Mapped[str] = so.mapped_column(sa.String(500), default="")
    answer: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)  # the client's
    data: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    handled_at: so.Mapped[datetime | None]
    handled_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL")
    )

    client: so.Mapped[Client] = so.relationship()


class UnknownSender(Base):
    """Numbers that are not clients, kept only as a keyed hash, to reply at most once a day."""

    __tablename__ = "unknown_senders"

    phone_hash: so.Mapped[str] = so.mapped_column(sa.String(64), primary_key=True)
    last_reply_on: so.Mapped[date]


class AuditEvent(Base):
    """Who did what to which client or text, and when. Written for every staff action."""

    __tablename__ = "audit_events"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    actor_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL")
    )
    actor: so.Mapped[str] = so.mapped_column(sa.String(120))  # e.g. "cli", staff e-mail
    action: so.Mapped[str] = so.mapped_column(sa.String(60))
    target: so.Mapped[str | None] = so.mapped_column(sa.String(120))  # e.g. "client:12"
    detail: so.Mapped[dict[str, Any] | None] = so.mapped_column(sa.JSON)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)
