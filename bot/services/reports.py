"""Figures for the dashboard: answered share, check-in answers, response times, contacts
and plan steps (the de-identified breakdowns are `bot.services.breakdowns`).

Every function takes a session, `clients` (a SELECT of client ids: whose figures) and the
periods or window to count in (`bot.services.periods`), and runs GROUP BY queries.
Bucketing happens in a subquery: PostgreSQL would not match a GROUP BY expression whose
parameters are bound twice. Which question a report counts is flow data: the ask step
that says `report: attendance` (or `plan_progress`); no flow or step id is written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.flows.schema import REPORTS, AskStep, Flow
from bot.models import Alert, Direction, Message, MessageStatus, Result
from bot.services.periods import Period, Seconds, bucket, months, weeks, within

__all__ = ["CHECKIN_ANSWERS", "Contacts", "Counted", "Period", "ResponseTimes", "Share",
           "answered_share", "asked_rows", "checkins", "contacts", "counted", "months",
           "plan_steps", "questions", "response_times", "weeks"]

ATTENDANCE, PLAN_PROGRESS = "attendance", "plan_progress"
CHECKIN_ANSWERS = REPORTS[ATTENDANCE]
HELP_REASONS = ("help", "call_me")
# Upper bounds (seconds) of the response-time groups; the last group is open-ended.
RESPONSE_BOUNDS = (3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600)
# Outbound messages that reached (or probably reached) the client's phone.
REACHED = (MessageStatus.ACCEPTED, MessageStatus.SENT, MessageStatus.DELIVERED,
           MessageStatus.READ)
RECEIVED = (MessageStatus.RECEIVED, MessageStatus.HANDLED)


@dataclass(frozen=True)
class Counted:
    """The question a report counts: its flow, the answer name its results are saved
    under, and the answer values the report shows."""

    flow_id: str
    question: str
    answers: tuple[str, ...]


def counted(flows: Mapping[str, Flow], report: str) -> Counted | None:
    """The question whose ask step names `report` (the loader lets only one do so), or
    None when no loaded flow carries it."""
    for flow in flows.values():
        for step in flow.steps:
            if isinstance(step, AskStep) and step.report == report:
                return Counted(flow.id, step.save_as, REPORTS[report])
    return None


def questions(flows: Mapping[str, Flow]) -> dict[str, str]:
    """Message key ("flow.step") of every question -> the answer name it is saved as."""
    return {f"{flow.id}.{step.id}": step.save_as
            for flow in flows.values() for step in flow.steps if isinstance(step, AskStep)}


def asked_rows(clients: sa.Select, keys: Mapping[str, str], periods: Sequence[Period]):
    """Questions sent to `clients`, one row each: period index, client, answered (1/0).
    Answered: the client saved an answer to that question in that enrolment afterwards."""
    answered = sa.exists().where(
        Result.enrollment_id == Message.enrollment_id,
        Result.question == sa.case(dict(keys), value=Message.key),
        Result.answered_at >= Message.created_at)
    return (sa.select(bucket(Message.created_at, periods).label("b"),
                      Message.client_id.label("client_id"),
                      sa.case((answered, 1), else_=0).label("answered"))
            .where(Message.direction == Direction.OUT, Message.key.in_(list(keys)),
                   Message.status.in_(REACHED), Message.client_id.in_(clients),
                   within(Message.created_at, periods)))


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
    q = asked_rows(clients, keys, periods).subquery()
    rows = dict((b, (n, a)) for b, n, a in s.execute(
        sa.select(q.c.b, sa.func.count(), sa.func.sum(q.c.answered)).group_by(q.c.b)))
    return [Share(p, *(int(v or 0) for v in rows.get(i, (0, 0)))) for i, p in enumerate(periods)]


def _answers(s: so.Session, clients: sa.Select, periods: Sequence[Period],
             what: Counted | None) -> list[dict[str, int]]:
    """Per period: the answers to the question `what` by category (none without one)."""
    counts: list[dict[str, int]] = [{} for _ in periods]
    if what is None:
        return counts
    q = (sa.select(bucket(Result.answered_at, periods).label("b"),
                   Result.category.label("category"))
         .where(Result.flow_id == what.flow_id, Result.question == what.question,
                Result.client_id.in_(clients), within(Result.answered_at, periods))
         .subquery())
    for b, category, n in s.execute(sa.select(q.c.b, q.c.category, sa.func.count())
                                    .group_by(q.c.b, q.c.category)):
        counts[b][category or "other"] = n
    return counts


def checkins(s: so.Session, clients: sa.Select, periods: Sequence[Period],
             flows: Mapping[str, Flow]) -> list[dict[str, int]]:
    """Per period: answers to the attendance question ("did you take part?") by answer:
    yes/partly/no/talk."""
    return _answers(s, clients, periods, counted(flows, ATTENDANCE))


def plan_steps(s: so.Session, clients: sa.Select, periods: Sequence[Period],
               flows: Mapping[str, Flow]) -> dict[str, int]:
    """Plan step follow-ups (the plan_progress question) in the whole window, by answer:
    done/started/stuck/…"""
    total: dict[str, int] = {}
    for counts in _answers(s, clients, periods, counted(flows, PLAN_PROGRESS)):
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
    q = (sa.select(bucket(Message.created_at, periods).label("b"),
                   Message.client_id.label("client_id"),
                   sa.case((Message.direction == Direction.OUT, 1), else_=0).label("out"))
         .where(Message.client_id.in_(clients), within(Message.created_at, periods),
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
    secs = Seconds(Alert.created_at, Alert.handled_at)
    raised = sa.and_(Alert.reason.in_(reasons), Alert.client_id.in_(clients),
                     within(Alert.created_at, periods))
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
