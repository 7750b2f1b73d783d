"""Reading times people type, in the municipality's time zone, without DST surprises."""

from __future__ import annotations

from datetime import UTC, datetime
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
