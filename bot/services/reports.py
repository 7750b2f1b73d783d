"""Figures for the dashboard: answered share, check-in answers, response times, contacts,
plan steps, and de-identified breakdowns by language, gender and age band.

Every function takes a session, `clients` (a SELECT of client ids: whose figures) and the
periods or window to count in, and runs GROUP BY queries. Periods are computed in Python
as UTC instants of local midnights (DST-safe) and turned into a CASE expression in SQL, so
bucketing is the same on SQLite and PostgreSQL. Bucketing happens in a subquery: PostgreSQL
would not match a GROUP BY expression whose parameters are bound twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from bot.flows.schema import AskStep, Flow
from bot.models import Alert, Client, Direction, Message, MessageStatus, Result

MIN_GROUP = 5  # smaller groups are never shown in a breakdown
CHECKIN = ("activity_checkin", "attended")
CHECKIN_ANSWERS = ("yes", "partly", "no", "talk")
PLAN = ("plan_step", "progress")
PLAN_ANSWERS = ("done", "started", "stuck", "change_goal", "talk")
HELP_REASONS = ("help", "call_me")
# Upper bounds (seconds) of the response-time groups; the last group is open-ended.
RESPONSE_BOUNDS = (3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600)
AGE_BANDS = ((0, 17, "0-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
             (45, 54, "45-54"), (55, 200, "55+"))
# Outbound messages that reached (or probably reached) the client's phone.
REACHED = (MessageStatus.ACCEPTED, MessageStatus.SENT, MessageStatus.DELIVERED,
           MessageStatus.READ)
RECEIVED = (MessageStatus.RECEIVED, MessageStatus.HANDLED)
DIMENSIONS = ("language", "gender", "age")


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


def _bucket(column, periods: Sequence[Period]):
    """The index of the period `column` falls in (NULL outside them all)."""
    return sa.case(*[(sa.and_(column >= p.start, column < p.end), i)
                     for i, p in enumerate(periods)], else_=None)


def _within(column, periods: Sequence[Period]):
    return sa.and_(column >= periods[0].start, column < periods[-1].end)


class _Seconds(FunctionElement):
    """Seconds from the first argument to the second, per dialect."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(_Seconds, "sqlite")
def _seconds_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(_Seconds, "postgresql")
def _seconds_postgresql(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def questions(flows: Mapping[str, Flow]) -> dict[str, str]:
    """Message key ("flow.step") of every question -> the answer name it is saved as."""
    return {f"{flow.id}.{step.id}": step.save_as
            for flow in flows.values() for step in flow.steps if isinstance(step, AskStep)}


def _asked(clients: sa.Select, keys: Mapping[str, str], periods: Sequence[Period]):
    """Questions sent to `clients`, one row each: period index, client, answered (1/0).
    Answered: the client saved an answer to that question in that enrolment afterwards."""
    answered = sa.exists().where(
        Result.enrollment_id == Message.enrollment_id,
        Result.question == sa.case(dict(keys), value=Message.key),
        Result.answered_at >= Message.created_at)
    return (sa.select(_bucket(Message.created_at, periods).label("b"),
                      Message.client_id.label("client_id"),
                      sa.case((answered, 1), else_=0).label("answered"))
            .where(Message.direction == Direction.OUT, Message.key.in_(list(keys)),
                   Message.status.in_(REACHED), Message.client_id.in_(clients),
                   _within(Message.created_at, periods)))


@dataclass(frozen=True)
class Share:
    period: Period
    asked: int
    answered: int

    @property
    def percent(self) -> float | None:
        return 100 * self.answered / self.asked if self.asked else None


def answered_share(s: so.Session, clients: sa.Select, periods: Sequence[Period],
                   keys: Mapping[str, str]) -> list[Share]:
    """Per period: questions sent and how many of them the client answered."""
    if not keys:
        return [Share(p, 0, 0) for p in periods]
    q = _asked(clients, keys, periods).subquery()
    rows = dict((b, (n, a)) for b, n, a in s.execute(
        sa.select(q.c.b, sa.func.count(), sa.func.sum(q.c.answered)).group_by(q.c.b)))
    return [Share(p, *(int(v or 0) for v in rows.get(i, (0, 0)))) for i, p in enumerate(periods)]


def _answers(s: so.Session, clients: sa.Select, periods: Sequence[Period],
             what: tuple[str, str]) -> list[dict[str, int]]:
    flow_id, question = what
    q = (sa.select(_bucket(Result.answered_at, periods).label("b"),
                   Result.category.label("category"))
         .where(Result.flow_id == flow_id, Result.question == question,
                Result.client_id.in_(clients), _within(Result.answered_at, periods))
         .subquery())
    counts: list[dict[str, int]] = [{} for _ in periods]
    for b, category, n in s.execute(sa.select(q.c.b, q.c.category, sa.func.count())
                                    .group_by(q.c.b, q.c.category)):
        counts[b][category or "other"] = n
    return counts


def checkins(s: so.Session, clients: sa.Select, periods: Sequence[Period]
             ) -> list[dict[str, int]]:
    """Per period: check-in answers ("did you take part?") by answer: yes/partly/no/talk."""
    return _answers(s, clients, periods, CHECKIN)


def plan_steps(s: so.Session, clients: sa.Select, periods: Sequence[Period]) -> dict[str, int]:
    """Plan step follow-ups in the whole window, by answer: done/started/stuck/…"""
    total: dict[str, int] = {}
    for counts in _answers(s, clients, periods, PLAN):
        for category, n in counts.items():
            total[category] = total.get(category, 0) + n
    return total


@dataclass(frozen=True)
class Contacts:
    period: Period
    sent: int  # messages that reached the clients
    received: int  # messages the clients wrote
    clients: int  # clients with at least one of either

    @property
    def per_client(self) -> float | None:
        return (self.sent + self.received) / self.clients if self.clients else None


def contacts(s: so.Session, clients: sa.Select, periods: Sequence[Period]) -> list[Contacts]:
    """Per period (e.g. month): messages to and from the clients, and clients reached."""
    q = (sa.select(_bucket(Message.created_at, periods).label("b"),
                   Message.client_id.label("client_id"),
                   sa.case((Message.direction == Direction.OUT, 1), else_=0).label("out"))
         .where(Message.client_id.in_(clients), _within(Message.created_at, periods),
                sa.or_(sa.and_(Message.direction == Direction.OUT, Message.status.in_(REACHED)),
                       sa.and_(Message.direction == Direction.IN, Message.status.in_(RECEIVED))))
         .subquery())
    rows = {b: (int(out or 0), n - int(out or 0), c) for b, n, out, c in s.execute(
        sa.select(q.c.b, sa.func.count(), sa.func.sum(q.c.out),
                  sa.func.count(sa.distinct(q.c.client_id))).group_by(q.c.b))}
    return [Contacts(p, *rows.get(i, (0, 0, 0))) for i, p in enumerate(periods)]


@dataclass(frozen=True)
class ResponseTimes:
    """How long "needs help" / "call me" alerts waited until someone marked them handled."""

    handled: int
    still_open: int
    median: float | None  # seconds
    groups: list[int]  # counts per RESPONSE_BOUNDS group, plus one for longer


def response_times(s: so.Session, clients: sa.Select, periods: Sequence[Period],
                   reasons: Sequence[str] = HELP_REASONS) -> ResponseTimes:
    """Of the alerts raised in the window: handled or not, the median and a distribution."""
    secs = _Seconds(Alert.created_at, Alert.handled_at)
    raised = sa.and_(Alert.reason.in_(reasons), Alert.client_id.in_(clients),
                     _within(Alert.created_at, periods))
    group = sa.case(*[(secs < bound, i) for i, bound in enumerate(RESPONSE_BOUNDS)],
                    else_=len(RESPONSE_BOUNDS))
    q = sa.select(group.label("g")).where(raised, Alert.handled_at.is_not(None)).subquery()
    groups = [0] * (len(RESPONSE_BOUNDS) + 1)
    for g, n in s.execute(sa.select(q.c.g, sa.func.count()).group_by(q.c.g)):
        groups[g] = n
    handled = sum(groups)
    still_open = s.scalar(sa.select(sa.func.count()).where(raised, Alert.handled_at.is_(None)))
    median = None
    if handled:  # the middle one or two values: portable, no percentile function needed
        middle = s.scalars(sa.select(secs).where(raised, Alert.handled_at.is_not(None))
                           .order_by(secs).offset((handled - 1) // 2)
                           .limit(2 - handled % 2)).all()
        median = sum(float(v) for v in middle) / len(middle)
    return ResponseTimes(handled, int(still_open or 0), median, groups)


@dataclass
class Group:
    """One group of a breakdown. `hidden` cells are shown as "fewer than 5"."""

    key: str | None  # language code, gender, age band; None = not recorded
    clients: int
    asked: int = 0
    answered: int = 0
    asked_clients: int = 0
    checkins: dict[str, int] = field(default_factory=dict)
    checkin_clients: int = 0
    hidden: set[str] = field(default_factory=set)  # "all", "answered", "checkins"

    @property
    def answered_percent(self) -> float | None:
        return 100 * self.answered / self.asked if self.asked else None

    def checkin_percent(self, category: str) -> float | None:
        total = sum(self.checkins.values())
        return 100 * self.checkins.get(category, 0) / total if total else None


def _group_column(by: str, year: int):
    if by == "language":
        return Client.language
    if by == "gender":
        return Client.gender
    if by == "age":
        age = year - Client.birth_year
        return sa.case(*[(age <= high, label) for _low, high, label in AGE_BANDS],
                       else_=None)
    raise ValueError(f"unknown breakdown {by!r}; expected one of {', '.join(DIMENSIONS)}")


def breakdown(s: so.Session, clients: sa.Select, periods: Sequence[Period], by: str,
              keys: Mapping[str, str], year: int) -> list[Group]:
    """Answered share and check-in answers per language, gender or age band (`year` gives
    the ages), with small groups and small cells hidden (see `suppress`)."""
    column = _group_column(by, year)
    members = sa.select(column.label("g"), Client.id.label("client_id")).where(
        Client.id.in_(clients)).subquery()
    groups = {_key(g): Group(_key(g), n) for g, n in s.execute(
        sa.select(members.c.g, sa.func.count()).group_by(members.c.g))}
    asked = _asked(clients, keys, periods).subquery() if keys else None
    if asked is not None:
        for g, n, a, c in s.execute(
                sa.select(members.c.g, sa.func.count(), sa.func.sum(asked.c.answered),
                          sa.func.count(sa.distinct(asked.c.client_id)))
                .join(members, members.c.client_id == asked.c.client_id)
                .group_by(members.c.g)):
            groups[_key(g)].asked, groups[_key(g)].answered = n, int(a or 0)
            groups[_key(g)].asked_clients = c
    answers = (sa.select(Result.client_id, Result.category)
               .where(Result.flow_id == CHECKIN[0], Result.question == CHECKIN[1],
                      Result.client_id.in_(clients), _within(Result.answered_at, periods))
               .subquery())
    counts = [sa.func.sum(sa.case((answers.c.category == c, 1), else_=0))
              for c in CHECKIN_ANSWERS]
    for g, c, *by_answer in s.execute(
            sa.select(members.c.g, sa.func.count(sa.distinct(answers.c.client_id)), *counts)
            .join(members, members.c.client_id == answers.c.client_id)
            .group_by(members.c.g)):
        groups[_key(g)].checkin_clients = c
        groups[_key(g)].checkins = {a: int(n or 0) for a, n in zip(CHECKIN_ANSWERS, by_answer,
                                                                   strict=True)}
    rows = sorted(groups.values(), key=lambda g: (g.key is None, g.key or ""))
    suppress(rows)
    return rows


def _key(value) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def hidden_indices(sizes: Sequence[int], minimum: int = MIN_GROUP) -> set[int]:
    """Which of these counts to hide: every one below `minimum` (0 means no one, shown),
    and when exactly one is hidden, the next smallest too, so that it cannot be worked
    out by subtracting the others from a total shown elsewhere."""
    hidden = {i for i, n in enumerate(sizes) if 0 < n < minimum}
    if len(hidden) == 1:
        rest = [i for i, n in enumerate(sizes) if i not in hidden and n > 0]
        if rest:
            hidden.add(min(rest, key=lambda i: sizes[i]))
    return hidden


def suppress(rows: Sequence[Group]) -> None:
    """Mark what may not be shown: groups with fewer than MIN_GROUP clients, and answer
    figures that fewer than MIN_GROUP clients of a group contributed to."""
    for i in hidden_indices([g.clients for g in rows]):
        rows[i].hidden.add("all")
    shown = [g for g in rows if "all" not in g.hidden]
    for cell, size in (("answered", "asked_clients"), ("checkins", "checkin_clients")):
        for i in hidden_indices([getattr(g, size) for g in shown]):
            shown[i].hidden.add(cell)
