"""Time as Swedish offices keep it: times people type, wall-clock instants without DST
surprises, holidays and working days, in the municipality's time zone."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def parse_time(text: str, tz: ZoneInfo) -> datetime:
    """Parse ISO-8601; a time without offset is local to `tz`. Returns aware UTC.

    A local time that does not exist (spring forward) or happens twice (autumn) is refused
    with a message, rather than silently shifted by an hour.
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 time like 2026-12-01T09:00") from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    early, late = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        roundtrip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if roundtrip != value:
            raise ValueError(f"{text} does not exist in {tz.key} (clocks jump forward "
                             "that night); pick another time")
        raise ValueError(f"{text} happens twice in {tz.key} (clocks go back that night); "
                         "add an offset, like +02:00 or +01:00")
    return early.astimezone(UTC)


@functools.lru_cache(maxsize=32)
def _holidays(year: int) -> dict[date, str]:
    import holidays  # imported when first needed: loading flows should not pay for it

    return dict(holidays.country_holidays(
        "SE", years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO), language="sv"))


def holiday(day: date) -> str | None:
    """The Swedish name of the holiday on `day` (public or de facto), or None."""
    return _holidays(day.year).get(day)


def working_day(day: date) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < 5 and holiday(day) is None


def local_instant(day: date, clock: time, tz: ZoneInfo) -> tuple[datetime, str | None]:
    """The aware UTC instant the wall clock in `tz` shows `clock` on `day`, with a note
    when the clocks change: a missing time moves forward by the gap, a doubled time is
    the first one."""
    wall = datetime.combine(day, clock)
    first = wall.replace(tzinfo=tz, fold=0)
    at = first.astimezone(UTC)
    shown = at.astimezone(tz)
    if shown.replace(tzinfo=None) != wall:  # fold=0 in the gap: the offset before the jump
        return at, (f"{clock:%H:%M} does not exist on {day} (clocks jump forward); "
                    f"{shown:%H:%M} instead")
    if first.utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset():
        return at, f"{clock:%H:%M} happens twice on {day} (clocks go back); the first one"
    return at, None


def local_text(at: datetime, tz: ZoneInfo) -> str:
    """`at` as the wall clock in `tz` shows it, for notes staff read."""
    return f"{at.astimezone(tz):%Y-%m-%d %H:%M}"
