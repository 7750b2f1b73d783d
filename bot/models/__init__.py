"""Knuff's data model (SQLAlchemy 2, typed). Import models from here."""

from bot.models.base import Base, utcnow
from bot.models.flows import (
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Result,
    Schedule,
    ScheduleKind,
)
from bot.models.messages import (
    Alert,
    AuditEvent,
    Direction,
    Message,
    MessageStatus,
    StatusEvent,
    UnknownSender,
)
from bot.models.people import Client, ClientStatus, Gender, Role, Staff, SwedishLevel
from bot.models.translations import Translation, TranslationStatus

__all__ = [
    "Alert", "AuditEvent", "Base", "Client", "ClientStatus", "Direction", "Enrollment",
    "EnrollmentStatus", "Fire", "FireKind", "FireStatus", "Gender", "Message", "MessageStatus",
    "Result", "Role", "Schedule", "ScheduleKind", "Staff", "StatusEvent", "SwedishLevel",
    "Translation", "TranslationStatus", "UnknownSender", "utcnow",
]
