"""The periods reports count in, and how SQL puts a timestamp into one of them.

Periods are computed in Python as UTC instants of local midnights (DST-safe) and turned
into a CASE expression in SQL, so bucketing is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

__all__ = ["Period", "Seconds", "bucket", "months", "weeks", "within"]


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC; `first_day` is the local date it starts on (for its label)."""

    first_day: date
    start: datetime
    end: datetime


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def weeks(now: datetime, tz: ZoneInfo, count: int) -> list[Period]:
    """The last `count` local weeks (Monday to Sunday), the current one last."""
    today = now.astimezone(tz).date()
    monday = today - timedelta(days=today.weekday())
    firsts = [monday - timedelta(weeks=i) for i in range(count - 1, -1, -1)]
    return [Period(d, _midnight(d, tz), _midnight(d + timedelta(days=7), tz)) for d in firsts]


def months(now: datetime, tz: ZoneInfo, count: int) -> list[Period]:
    """The last `count` local calendar months, the current one last."""
    first = now.astimezone(tz).date().replace(day=1)
    firsts = [first]
    while len(firsts) < count:
        firsts.insert(0, (firsts[0] - timedelta(days=1)).replace(day=1))
    ends = [*firsts[1:], (first + timedelta(days=32)).replace(day=1)]
    return [Period(d, _midnight(d, tz), _midnight(e, tz))
            for d, e in zip(firsts, ends, strict=True)]


def bucket(column: sa.ColumnElement, periods: Sequence[Period]) -> sa.ColumnElement:
    """The index of the period `column` falls in (NULL outside them all)."""
    return sa.case(*[(sa.and_(column >= p.start, column < p.end), i)
                     for i, p in enumerate(periods)], else_=None)


def within(column: sa.ColumnElement, periods: Sequence[Period]) -> sa.ColumnElement:
    """True when `column` falls in the window from the first period to the last."""
    return sa.and_(column >= periods[0].start, column < periods[-1].end)


class Seconds(FunctionElement):
    """Seconds from the first argument to the second, per dialect."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(Seconds, "sqlite")
def _seconds_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(Seconds, "postgresql")
def _seconds_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"
