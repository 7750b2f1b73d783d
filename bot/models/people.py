"""Clients and staff: the minimum Knuff needs to know about each person."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models.base import Base, utcnow


class SwedishLevel(enum.StrEnum):
    """The four categories the municipalities record (DOMAIN.md)."""

    FLUENT = "fluent"  # communicates without limitations
    EASY = "easy"  # can communicate in easy Swedish, some need of interpreter
    INTERPRETER = "interpreter"  # large limitations, needs interpreter
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return {
            "fluent": "communicates without limitations",
            "easy": "can communicate in easy Swedish, some need of interpreter",
            "interpreter": "large limitations, needs interpreter",
            "unknown": "unknown",
        }[self.value]


class ClientStatus(enum.StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # the client sent STOPP: nothing is sent until START


class Gender(enum.StrEnum):
    """Recorded only for de-identified reports (DOMAIN: breakable by gender)."""

    WOMAN = "woman"
    MAN = "man"
    OTHER = "other"


class Role(enum.StrEnum):
    ADMIN = "admin"
    CASE_MANAGER = "case_manager"
    INTERPRETER = "interpreter"


def _enum(cls: type[enum.Enum], name: str) -> sa.Enum:
    # Stored as plain strings with a CHECK: portable, and readable in SQL.
    return sa.Enum(cls, name=name, native_enum=False, length=20, create_constraint=True,
                   values_callable=lambda e: [m.value for m in e], validate_strings=True)


class Staff(Base):
    """A staff account. Quacks like a Flask-Login user (see `bot.web.security`)."""

    __tablename__ = "staff"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    role: so.Mapped[Role] = so.mapped_column(_enum(Role, "role"))
    team: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    ui_language: so.Mapped[str] = so.mapped_column(sa.String(5), default="sv")  # sv | en
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    clients: so.WriteOnlyMapped[Client] = so.relationship(back_populates="case_manager")

    # Flask-Login's user protocol, without importing Flask into the models.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        from bot.web.security import session_id

        return session_id(self)

    def __repr__(self) -> str:
        return f"<Staff {self.id} {self.role.value}>"


class Client(Base):
    __tablename__ = "clients"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    phone: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)  # E.164
    first_name: so.Mapped[str] = so.mapped_column(sa.String(80))
    language: so.Mapped[str] = so.mapped_column(sa.String(10), default="sv")
    swedish_level: so.Mapped[SwedishLevel] = so.mapped_column(
        _enum(SwedishLevel, "swedish_level"), default=SwedishLevel.UNKNOWN
    )
    bilingual: so.Mapped[bool] = so.mapped_column(default=False)  # + easy Swedish after
    # When their language has no approved text: English after the Swedish, if they asked.
    fallback_english: so.Mapped[bool] = so.mapped_column(default=False)
    status: so.Mapped[ClientStatus] = so.mapped_column(
        _enum(ClientStatus, "client_status"), default=ClientStatus.ACTIVE
    )
    stopped_by: so.Mapped[str | None] = so.mapped_column(sa.String(10))  # "client" | "staff"
    # Paused by staff: scheduled nudges are skipped (not held) until resumed; the client's
    # own messages are still answered.
    paused: so.Mapped[bool] = so.mapped_column(default=False)
    needs_interpreter: so.Mapped[bool] = so.mapped_column(default=False)
    # The client's own quiet hours ("HH:MM-HH:MM"); None means the service default.
    quiet_hours: so.Mapped[str | None] = so.mapped_column(sa.String(11))
    # For de-identified reports only: gender and birth year (shown as an age band).
    gender: so.Mapped[Gender | None] = so.mapped_column(_enum(Gender, "gender"))
    birth_year: so.Mapped[int | None]
    case_manager_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    case_manager: so.Mapped[Staff | None] = so.relationship(back_populates="clients")

    def __repr__(self) -> str:
        # Never the phone number: reprs end up in logs.
        return f"<Client {self.id} {self.language} {self.status.value}>"
