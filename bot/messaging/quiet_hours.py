"""Quiet hours: the wall-clock window in which Knuff sends nothing.

Clients should not be woken by a nudge, so the window follows the clock on their wall
(KNUFF_TIMEZONE), not UTC, and stays right on the nights daylight saving time starts or
ends. Times are compared as local wall-clock times, so "20:00-02:30" on the night the
clocks jump from 02:00 to 03:00 ends at 03:00 local time, the first moment the wall clock
reads 02:30 or later.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

_SPEC = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")
_DISABLED = {"", "off"}


@dataclass(frozen=True)
class QuietHours:
    """A daily quiet window from `start` (inclusive) to `end` (exclusive) in zone `tz`.

    `start` and `end` are None when quiet hours are disabled. A window whose end is
    earlier than its start runs over midnight.
    """

    start: time | None
    end: time | None
    tz: ZoneInfo

    @classmethod
    def parse(cls, spec: str | None, tz: str) -> QuietHours:
        """Read a spec like "20:00-08:00" (or "off" / "" to disable) for time zone `tz`."""
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r} for quiet hours") from exc
        if spec is None or spec.strip().lower() in _DISABLED:
            return cls(None, None, zone)
        match = _SPEC.match(spec)
        if not match:
            raise ValueError(f"quiet hours {spec!r}: expected HH:MM-HH:MM (20:00-08:00) or off")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        if (h2, m2) == (24, 0):  # "22:00-24:00" means until midnight
            h2 = 0
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
            raise ValueError(f"quiet hours {spec!r}: hours must be 00-23 and minutes 00-59")
        start, end = time(h1, m1), time(h2, m2)
        if start == end:
            raise ValueError(f"quiet hours {spec!r}: start equals end; use 'off' to disable")
        return cls(start, end, zone)

    @property
    def enabled(self) -> bool:
        """False when the spec was "off"."""
        return self.start is not None

    def contains(self, when: datetime) -> bool:
        """True when the local wall clock at the aware instant `when` is inside the window."""
        if self.start is None or self.end is None:
            return False
        clock = self._local(when).time()
        if self.start < self.end:
            return self.start <= clock < self.end
        return clock >= self.start or clock < self.end

    def next_allowed(self, when: datetime) -> datetime:
        """The first instant at or after `when` outside quiet hours, as an aware UTC datetime."""
        if not self.contains(when):
            return when.astimezone(UTC)
        assert self.start is not None and self.end is not None
        local = self._local(when)
        ends_today = self.start < self.end or local.time() < self.end
        end_day = local.date() if ends_today else local.date() + timedelta(days=1)
        now = when.astimezone(UTC)  # fold-aware datetimes only compare reliably in UTC
        candidates = [c for c in self._instants(end_day, self.end) if c >= now]
        return min(candidates).astimezone(UTC)

    def _local(self, when: datetime) -> datetime:
        if when.tzinfo is None or when.utcoffset() is None:
            raise ValueError(f"quiet hours need an aware datetime, got naive {when!r}")
        return when.astimezone(self.tz)

    def _instants(self, day: date, clock: time) -> list[datetime]:
        """The instants at which the wall clock first reads `clock` or later on `day`.

        Usually one instant; two when the clocks go back and `clock` happens twice; the
        moment of the jump when the clocks go forward over `clock`.
        """
        earlier = datetime.combine(day, clock, tzinfo=self.tz)
        later = earlier.replace(fold=1)
        if _exists(earlier):
            return sorted({earlier.astimezone(UTC), later.astimezone(UTC)})
        return [self._jump(day, clock)]

    def _jump(self, day: date, clock: time) -> datetime:
        """The UTC instant the clocks skip over the non-existent local `clock` on `day`."""
        target = datetime.combine(day, clock)
        # In a gap, fold=1 maps to an instant just before the jump and fold=0 just after.
        low = datetime.combine(day, clock, tzinfo=self.tz).replace(fold=1).astimezone(UTC)
        high = datetime.combine(day, clock, tzinfo=self.tz).astimezone(UTC)
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(self.tz).replace(tzinfo=None) >= target:
                high = middle
            else:
                low = middle
        return high.replace(microsecond=0)


def _exists(local: datetime) -> bool:
    """True unless `local` falls in the gap when the clocks go forward."""
    round_trip = local.astimezone(UTC).astimezone(local.tzinfo)
    return round_trip.replace(tzinfo=None) == local.replace(tzinfo=None)


@functools.lru_cache(maxsize=256)
def _parsed(spec: str, tz: str) -> QuietHours:
    return QuietHours.parse(spec, tz)


def for_client(default: QuietHours, own: str | None) -> QuietHours:
    """A client's own quiet hours ("22:00-09:00", set by staff) when they have them, else
    the service default. A stored value that no longer parses falls back to the default."""
    if not own:
        return default
    try:
        return _parsed(own, default.tz.key)
    except ValueError:
        log.warning("a client's quiet hours %r are not valid; using the default", own)
        return default
