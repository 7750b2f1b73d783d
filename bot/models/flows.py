"""Enrollments (a client in a flow) and fires (the schedule, kept in the database)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models.base import Base, utcnow
from bot.models.people import Client, _enum


class EnrollmentStatus(enum.StrEnum):
    SCHEDULED = "scheduled"  # enrolled; the start fire has not fired yet
    WAITING = "waiting"  # waiting for a reply or a time
    COMPLETED = "completed"
    EXPIRED = "expired"
    STOPPED = "stopped"  # cancelled by staff, by STOPP or by a newer conversation

    @property
    def open(self) -> bool:
        return self in (EnrollmentStatus.SCHEDULED, EnrollmentStatus.WAITING)


class FireKind(enum.StrEnum):
    START = "start"
    WAKE = "wake"  # an ask's timeout or a wait step's moment
    EXPIRE = "expire"


class FireStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ScheduleKind(enum.StrEnum):
    ONCE = "once"  # at a date and time
    EVENT = "event"  # relative to an event, e.g. the day before a meeting at 09:00
    RECURRING = "recurring"  # on chosen weekdays at a time, for N weeks


class Schedule(Base):
    """What a case manager (or the system) asked for; its enrollments are the nudges."""

    __tablename__ = "schedules"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    flow_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    kind: so.Mapped[ScheduleKind] = so.mapped_column(_enum(ScheduleKind, "schedule_kind"))
    spec: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    skip_holidays: so.Mapped[bool] = so.mapped_column(default=True)
    created_by: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    cancelled_at: so.Mapped[datetime | None]

    client: so.Mapped[Client] = so.relationship()

    def __repr__(self) -> str:
        return f"<Schedule {self.id} {self.flow_id} {self.kind.value}>"


class Result(Base):
    """One answer a client gave, as structured data: the category and the raw text."""

    __tablename__ = "results"
    __table_args__ = (sa.Index("ix_results_flow_question", "flow_id", "question"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    enrollment_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="SET NULL"), index=True
    )
    flow_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    question: so.Mapped[str] = so.mapped_column(sa.String(64))  # the ask's save_as
    category: so.Mapped[str | None] = so.mapped_column(sa.String(40))  # a choice's value
    text: so.Mapped[str | None] = so.mapped_column(sa.String(1600))  # what the client wrote
    language: so.Mapped[str | None] = so.mapped_column(sa.String(10))
    answered_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<Result {self.id} {self.flow_id}.{self.question}={self.category}>"


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (sa.Index("ix_enrollments_client_status", "client_id", "status"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    client_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clients.id", ondelete="CASCADE"))
    flow_id: so.Mapped[str] = so.mapped_column(sa.String(64))
    flow_version: so.Mapped[int]
    status: so.Mapped[EnrollmentStatus] = so.mapped_column(
        _enum(EnrollmentStatus, "enrollment_status"), default=EnrollmentStatus.SCHEDULED
    )
    step: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    awaiting: so.Mapped[str | None] = so.mapped_column(sa.String(8))  # "reply" | "time"
    answers: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    params: so.Mapped[dict[str, Any]] = so.mapped_column(sa.JSON, default=dict)
    reasks: so.Mapped[int] = so.mapped_column(default=0)
    seq: so.Mapped[int] = so.mapped_column(default=0)
    wake_at: so.Mapped[datetime | None]
    start_at: so.Mapped[datetime]
    expires_at: so.Mapped[datetime | None]
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    enrolled_by: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    schedule_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("schedules.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    last_asked_at: so.Mapped[datetime | None]

    client: so.Mapped[Client] = so.relationship()

    def __repr__(self) -> str:
        return f"<Enrollment {self.id} {self.flow_id} {self.status.value} step={self.step}>"


class Fire(Base):
    """One scheduled event. The unique key makes scheduling idempotent."""

    __tablename__ = "fires"
    __table_args__ = (sa.Index("ix_fires_due", "status", "due_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[FireKind] = so.mapped_column(_enum(FireKind, "fire_kind"))
    enrollment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("enrollments.id", ondelete="CASCADE"), index=True
    )
    due_at: so.Mapped[datetime]
    seq: so.Mapped[int] = so.mapped_column(default=0)  # enrollment.seq the fire was made for
    idempotency_key: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    status: so.Mapped[FireStatus] = so.mapped_column(
        _enum(FireStatus, "fire_status"), default=FireStatus.PENDING
    )
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    done_at: so.Mapped[datetime | None]

    enrollment: so.Mapped[Enrollment] = so.relationship()

    def __repr__(self) -> str:
        return f"<Fire {self.id} {self.kind.value} {self.status.value} due={self.due_at:%Y-%m-%d}>"
