"""Translations of flow texts and their interpreter approval, tied to content by hashes.

One row per (language, catalog key). An approval counts only while `source_hash` matches
the current Swedish text and `text_hash` matches the stored translation: editing either
withdraws it (see `bot.services.approvals`).
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models.base import Base, utcnow
from bot.models.people import _enum


class TranslationStatus(enum.StrEnum):
    DRAFT = "draft"  # written by the team or a machine; never sent
    APPROVED = "approved"  # an interpreter approved exactly this text for exactly that source
    NEEDS_REVIEW = "needs_review"  # the Swedish source changed since it was translated
    REJECTED = "rejected"  # an interpreter sent it back (see `comment`)


class Translation(Base):
    """A client-facing text (or a choice's reply words) in one language."""

    __tablename__ = "translations"
    __table_args__ = (
        sa.UniqueConstraint("language", "key", name="uq_translations_language_key"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    language: so.Mapped[str] = so.mapped_column(sa.String(10))
    key: so.Mapped[str] = so.mapped_column(sa.String(160))  # msgctxt, e.g. "help.topic"
    source: so.Mapped[str] = so.mapped_column(sa.Text)  # the Swedish text it translates
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    source_hash: so.Mapped[str] = so.mapped_column(sa.String(64))  # sha256 hex of `source`
    text_hash: so.Mapped[str] = so.mapped_column(sa.String(64))  # sha256 hex of `text`
    status: so.Mapped[TranslationStatus] = so.mapped_column(
        _enum(TranslationStatus, "translation_status"), default=TranslationStatus.DRAFT
    )
    approved_by: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    approved_at: so.Mapped[datetime | None]
    # The Swedish text this translation was made for, kept when the source changes so a
    # reviewer sees the difference.
    previous_source: so.Mapped[str | None] = so.mapped_column(sa.Text)
    comment: so.Mapped[str | None] = so.mapped_column(sa.String(500))  # send-back reason
    # Bumped by SQLAlchemy on every UPDATE; lets the send path notice any change cheaply.
    revision: so.Mapped[int] = so.mapped_column(default=1)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": revision}

    @property
    def flow(self) -> str:
        """The flow id the key belongs to."""
        return self.key.split(".", 1)[0]

    def __repr__(self) -> str:
        return f"<Translation {self.language} {self.key} {self.status.value}>"
