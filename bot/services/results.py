"""Reading clients' answers: one client's, or one question's over time for many clients.

Answers are written as `Result` rows when a reply saves one (`conversations.take_reply`):
the category is the chosen answer's value ("yes", "sick", "4", "other" when the reply
could not be understood; None for free text), the text is what the client wrote.
Read-only helpers for the staff app and reports; access control is the caller's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.models import Client, Result

Period = Literal["day", "week", "month"]


def for_client(db: so.Session, client: Client, *, flow_id: str | None = None,
               since: datetime | None = None, limit: int | None = None) -> list[Result]:
    """A client's answers, newest first (optionally of one flow, or since a time)."""
    query = sa.select(Result).where(Result.client_id == client.id)
    if flow_id is not None:
        query = query.where(Result.flow_id == flow_id)
    if since is not None:
        query = query.where(Result.answered_at >= since)
    query = query.order_by(Result.answered_at.desc(), Result.id.desc())
    return list(db.scalars(query.limit(limit) if limit else query))


def for_question(db: so.Session, flow_id: str, question: str, *,
                 client_ids: Collection[int] | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> list[Result]:
    """Every answer to one question (a flow's `save_as`), oldest first; `client_ids`
    limits them to a set of clients (a case manager's, a team's)."""
    return list(db.scalars(_question(flow_id, question, client_ids, since, until)
                           .order_by(Result.answered_at, Result.id)))


def counts(db: so.Session, flow_id: str, question: str, *,
           client_ids: Collection[int] | None = None, since: datetime | None = None,
           until: datetime | None = None) -> dict[str | None, int]:
    """How often each category was answered (None: free text), counted in the database."""
    query = _question(flow_id, question, client_ids, since, until).with_only_columns(
        Result.category, sa.func.count()).group_by(Result.category)
    return {category: n for category, n in db.execute(query)}


@dataclass(frozen=True)
class Bucket:
    """One period's answers: its first day (local), and a count per category."""

    starts: date
    counts: dict[str | None, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def over_time(db: so.Session, flow_id: str, question: str, *, tz: ZoneInfo,
              period: Period = "week", client_ids: Collection[int] | None = None,
              since: datetime | None = None, until: datetime | None = None) -> list[Bucket]:
    """Category counts per local day, ISO week (from Monday) or month, oldest first;
    periods without answers are left out."""
    query = _question(flow_id, question, client_ids, since, until).with_only_columns(
        Result.answered_at, Result.category)
    buckets: dict[date, Counter] = {}
    for answered_at, category in db.execute(query):
        day = answered_at.astimezone(tz).date()
        buckets.setdefault(_period_start(day, period), Counter())[category] += 1
    return [Bucket(starts, dict(found)) for starts, found in sorted(buckets.items())]


def _question(flow_id: str, question: str, client_ids: Collection[int] | None,
              since: datetime | None, until: datetime | None) -> sa.Select:
    query = sa.select(Result).where(Result.flow_id == flow_id, Result.question == question)
    if client_ids is not None:
        query = query.where(Result.client_id.in_(list(client_ids)))
    if since is not None:
        query = query.where(Result.answered_at >= since)
    if until is not None:
        query = query.where(Result.answered_at < until)
    return query


def _period_start(day: date, period: Period) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(f"period {period!r}: expected day, week or month")

