"""Times typed by staff, read in Stockholm time, around daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.timeutil import parse_time

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@pytest.mark.parametrize("text, utc", [
    ("2026-12-01T09:00", datetime(2026, 12, 1, 8, 0, tzinfo=UTC)),  # CET
    ("2026-06-01T09:00", datetime(2026, 6, 1, 7, 0, tzinfo=UTC)),  # CEST
    ("2026-03-29T03:00", datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # first summer minute
    ("2026-10-25T02:30+02:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ("2026-10-25T02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),
    ("2026-12-01T09:00Z", datetime(2026, 12, 1, 9, 0, tzinfo=UTC)),
])
def test_local_times_become_utc(text, utc):
    assert parse_time(text, STOCKHOLM) == utc


def test_a_time_skipped_by_spring_forward_is_refused():
    with pytest.raises(ValueError, match="does not exist in Europe/Stockholm"):
        parse_time("2026-03-29T02:30", STOCKHOLM)


def test_a_time_repeated_in_autumn_asks_for_an_offset():
    with pytest.raises(ValueError, match="happens twice .* add an offset"):
        parse_time("2026-10-25T02:30", STOCKHOLM)


def test_garbage_is_named():
    with pytest.raises(ValueError, match="'next tuesday' is not an ISO-8601 time"):
        parse_time("next tuesday", STOCKHOLM)
