"""De-identified breakdowns for the dashboard: answered share and attendance answers per
language, gender or age band, with every group or cell of fewer than MIN_GROUP clients
hidden, so that no figure points to a person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.flows.schema import Flow
from bot.models import Client, Result
from bot.services.periods import Period, within
from bot.services.reports import ATTENDANCE, Counted, asked_rows, counted, questions

MIN_GROUP = 5  # smaller groups are never shown in a breakdown
AGE_BANDS = ((0, 17, "0-17"), (18, 24, "18-24"), (25, 34, "25-34"), (35, 44, "35-44"),
             (45, 54, "45-54"), (55, 200, "55+"))
DIMENSIONS = ("language", "gender", "age")


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
              flows: Mapping[str, Flow], year: int) -> list[Group]:
    """Answered share and attendance answers per language, gender or age band (`year`
    gives the ages), with small groups and small cells hidden (see `suppress`)."""
    column = _group_column(by, year)
    members = sa.select(column.label("g"), Client.id.label("client_id")).where(
        Client.id.in_(clients)).subquery()
    groups = {_key(g): Group(_key(g), n) for g, n in s.execute(
        sa.select(members.c.g, sa.func.count()).group_by(members.c.g))}
    keys = questions(flows)
    if keys:
        _count_asked(s, groups, members, asked_rows(clients, keys, periods).subquery())
    attendance = counted(flows, ATTENDANCE)
    if attendance is not None:
        _count_checkins(s, groups, members, attendance, clients, periods)
    rows = sorted(groups.values(), key=lambda g: (g.key is None, g.key or ""))
    suppress(rows)
    return rows


def _count_asked(s: so.Session, groups: dict[str | None, Group], members, asked) -> None:
    """Fill in each group's questions asked, answered, and clients asked."""
    for g, n, a, c in s.execute(
            sa.select(members.c.g, sa.func.count(), sa.func.sum(asked.c.answered),
                      sa.func.count(sa.distinct(asked.c.client_id)))
            .join(members, members.c.client_id == asked.c.client_id)
            .group_by(members.c.g)):
        groups[_key(g)].asked, groups[_key(g)].answered = n, int(a or 0)
        groups[_key(g)].asked_clients = c


def _count_checkins(s: so.Session, groups: dict[str | None, Group], members, what: Counted,
                    clients: sa.Select, periods: Sequence[Period]) -> None:
    """Fill in each group's attendance answers by answer, and the clients who gave them."""
    answers = (sa.select(Result.client_id, Result.category)
               .where(Result.flow_id == what.flow_id, Result.question == what.question,
                      Result.client_id.in_(clients), within(Result.answered_at, periods))
               .subquery())
    counts = [sa.func.sum(sa.case((answers.c.category == c, 1), else_=0))
              for c in what.answers]
    for g, c, *by_answer in s.execute(
            sa.select(members.c.g, sa.func.count(sa.distinct(answers.c.client_id)), *counts)
            .join(members, members.c.client_id == answers.c.client_id)
            .group_by(members.c.g)):
        groups[_key(g)].checkin_clients = c
        groups[_key(g)].checkins = {a: int(n or 0)
                                    for a, n in zip(what.answers, by_answer, strict=True)}


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
