"""Report periods: local weeks and months as UTC instants, across DST and the new year."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.services.periods import months, weeks

TZ = ZoneInfo("Europe/Stockholm")


def test_weeks_start_on_local_mondays_across_the_dst_change():
    periods = weeks(datetime(2026, 10, 28, 12, 0, tzinfo=UTC), TZ, 2)
    assert [(p.first_day, p.start, p.end) for p in periods] == [
        (date(2026, 10, 19), datetime(2026, 10, 18, 22, 0, tzinfo=UTC),
         datetime(2026, 10, 25, 23, 0, tzinfo=UTC)),  # summer time ends on the 25th
        (date(2026, 10, 26), datetime(2026, 10, 25, 23, 0, tzinfo=UTC),
         datetime(2026, 11, 1, 23, 0, tzinfo=UTC))]


def test_months_run_over_the_new_year():
    periods = months(datetime(2027, 1, 10, tzinfo=UTC), TZ, 3)
    assert [p.first_day for p in periods] == [date(2026, 11, 1), date(2026, 12, 1),
                                              date(2027, 1, 1)]
    assert periods[-1].end == datetime(2027, 1, 31, 23, 0, tzinfo=UTC)
