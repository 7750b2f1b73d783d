"""Quiet hours follow the wall clock in Stockholm, daylight saving nights included.

In 2025 the clocks go forward on 30 March (02:00 CET -> 03:00 CEST, at 01:00 UTC) and
back on 26 October (03:00 CEST -> 02:00 CET, at 01:00 UTC).
"""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.messaging.quiet_hours import QuietHours

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=STOCKHOLM, fold=fold)


@pytest.fixture
def evening() -> QuietHours:
    return QuietHours.parse("20:00-08:00", "Europe/Stockholm")


@pytest.mark.parametrize(
    ("when", "quiet"),
    [
        (local(2025, 1, 15, 19, 59), False),
        (local(2025, 1, 15, 20, 0), True),
        (local(2025, 1, 15, 23, 59), True),
        (local(2025, 1, 16, 0, 0), True),
        (local(2025, 1, 16, 7, 59, 59), True),
        (local(2025, 1, 16, 8, 0), False),
        (local(2025, 1, 16, 12, 0), False),
        (utc(2025, 1, 15, 19, 0), True),  # 20:00 CET
        (utc(2025, 7, 15, 18, 30), True),  # 20:30 CEST
        (utc(2025, 7, 15, 17, 59), False),  # 19:59 CEST
    ],
)
def test_window_over_midnight(evening, when, quiet):
    assert evening.contains(when) is quiet


def test_window_within_a_day():
    lunch = QuietHours.parse("12:00-13:00", "Europe/Stockholm")
    assert not lunch.contains(local(2025, 5, 2, 11, 59))
    assert lunch.contains(local(2025, 5, 2, 12, 0))
    assert not lunch.contains(local(2025, 5, 2, 13, 0))
    assert lunch.next_allowed(local(2025, 5, 2, 12, 30)) == utc(2025, 5, 2, 11, 0)


def test_next_allowed_is_the_end_of_the_window_in_utc(evening):
    allowed = evening.next_allowed(local(2025, 1, 15, 21, 0))
    assert allowed == utc(2025, 1, 16, 7, 0)
    assert allowed.tzinfo is UTC
    assert evening.next_allowed(local(2025, 1, 16, 6, 0)) == utc(2025, 1, 16, 7, 0)


def test_next_allowed_outside_the_window_is_now(evening):
    when = local(2025, 1, 15, 12, 34, 56)
    assert evening.next_allowed(when) == when
    assert evening.next_allowed(when).tzinfo is UTC


def test_accepts_instants_in_any_time_zone(evening):
    karachi = timezone(timedelta(hours=5))
    when = datetime(2025, 1, 16, 1, 0, tzinfo=karachi)  # 21:00 in Stockholm
    assert evening.contains(when)
    assert evening.next_allowed(when) == utc(2025, 1, 16, 7, 0)


def test_spring_forward_night_ends_at_eight_summer_time(evening):
    saturday_evening = local(2025, 3, 29, 22, 0)  # CET
    assert evening.next_allowed(saturday_evening) == utc(2025, 3, 30, 6, 0)  # 08:00 CEST
    assert evening.contains(utc(2025, 3, 30, 5, 59))
    assert not evening.contains(utc(2025, 3, 30, 6, 0))


def test_fall_back_night_ends_at_eight_winter_time(evening):
    saturday_evening = local(2025, 10, 25, 22, 0)  # CEST
    assert evening.next_allowed(saturday_evening) == utc(2025, 10, 26, 7, 0)  # 08:00 CET
    assert evening.contains(utc(2025, 10, 26, 6, 59))
    assert not evening.contains(utc(2025, 10, 26, 7, 0))


def test_window_ending_at_a_time_that_does_not_exist():
    # 02:30 never shows on the clock that night: the window ends when the clock jumps.
    quiet = QuietHours.parse("20:00-02:30", "Europe/Stockholm")
    assert quiet.contains(utc(2025, 3, 30, 0, 59, 59))  # 01:59:59 CET
    assert not quiet.contains(utc(2025, 3, 30, 1, 0))  # 03:00 CEST
    assert quiet.next_allowed(local(2025, 3, 29, 23, 0)) == utc(2025, 3, 30, 1, 0)
    assert quiet.next_allowed(utc(2025, 3, 30, 0, 59, 59)) == utc(2025, 3, 30, 1, 0)


def test_window_starting_at_a_time_that_does_not_exist():
    quiet = QuietHours.parse("02:15-07:00", "Europe/Stockholm")
    assert not quiet.contains(utc(2025, 3, 30, 0, 59))  # 01:59 CET
    assert quiet.contains(utc(2025, 3, 30, 1, 0))  # 03:00 CEST
    assert quiet.next_allowed(utc(2025, 3, 30, 1, 0)) == utc(2025, 3, 30, 5, 0)


def test_window_ending_at_a_time_that_happens_twice():
    # 02:30 shows twice: first in summer time, then again after the clocks go back.
    quiet = QuietHours.parse("22:00-02:30", "Europe/Stockholm")
    first, second = local(2025, 10, 26, 2, 30), local(2025, 10, 26, 2, 30, fold=1)
    # (Aware datetimes in a fold never compare equal across zones; convert first.)
    assert first.astimezone(UTC) == utc(2025, 10, 26, 0, 30)
    assert second.astimezone(UTC) == utc(2025, 10, 26, 1, 30)
    assert quiet.next_allowed(local(2025, 10, 25, 23, 0)) == utc(2025, 10, 26, 0, 30)
    assert not quiet.contains(utc(2025, 10, 26, 0, 45))  # 02:45 CEST
    # The wall clock reads 02:00-02:29 again, so the window is briefly back.
    assert quiet.contains(utc(2025, 10, 26, 1, 10))  # 02:10 CET
    assert quiet.next_allowed(utc(2025, 10, 26, 1, 10)) == utc(2025, 10, 26, 1, 30)
    assert quiet.next_allowed(local(2025, 10, 26, 2, 10, fold=1)) == utc(2025, 10, 26, 1, 30)


@pytest.mark.parametrize("spec", ["off", "OFF", "", "  ", None])
def test_off_disables_quiet_hours(spec):
    quiet = QuietHours.parse(spec, "Europe/Stockholm")
    assert not quiet.enabled
    assert not quiet.contains(local(2025, 1, 15, 3, 0))
    assert quiet.next_allowed(local(2025, 1, 15, 3, 0)) == utc(2025, 1, 15, 2, 0)


@pytest.mark.parametrize("spec", ["22:00-06:30", " 22:00 - 06:30 ", "22:00\u201306:30"])
def test_spec_spelling(spec):
    quiet = QuietHours.parse(spec, "Europe/Stockholm")
    assert (quiet.start.isoformat(), quiet.end.isoformat()) == ("22:00:00", "06:30:00")


def test_until_midnight_may_be_written_24_00():
    quiet = QuietHours.parse("22:00-24:00", "Europe/Stockholm")
    assert quiet.contains(local(2025, 1, 15, 23, 59))
    assert not quiet.contains(local(2025, 1, 16, 0, 0))
    assert quiet.next_allowed(local(2025, 1, 15, 22, 0)) == utc(2025, 1, 15, 23, 0)


@pytest.mark.parametrize("spec", ["20-08", "20:00", "25:00-08:00", "20:00-08:60", "20:00-20:00"])
def test_bad_spec_is_named_in_the_error(spec):
    with pytest.raises(ValueError, match=f"quiet hours '{spec}'"):
        QuietHours.parse(spec, "Europe/Stockholm")


def test_unknown_time_zone_is_named_in_the_error():
    with pytest.raises(ValueError, match="Europe/Stokholm"):
        QuietHours.parse("20:00-08:00", "Europe/Stokholm")


def test_naive_datetimes_are_refused(evening):
    with pytest.raises(ValueError, match="aware"):
        evening.contains(datetime(2025, 1, 15, 21, 0))
