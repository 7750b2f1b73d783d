"""The schedule planner: specs in, occurrence times (and why they moved) out."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling import ScheduleError, normalise, parse_offset, plan
from bot.timeutil import holiday

TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # a Tuesday, 12:00 in Stockholm


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def shown(at: datetime | None) -> str | None:
    """An instant as Stockholm wall-clock text, the way people check it."""
    return f"{at.astimezone(TZ):%Y-%m-%d %H:%M}" if at else None


def times(kind: str, spec: dict, now: datetime = NOW, **kwargs) -> list[str | None]:
    return [shown(o.at) for o in plan(kind, spec, now=now, tz=TZ, **kwargs).occurrences]


# --- holidays -------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "name"), [
    (date(2026, 12, 25), "Juldagen"),
    (date(2026, 6, 19), "Midsommarafton"),  # de facto holidays count: offices are closed
    (date(2026, 12, 24), "Julafton"),
    (date(2026, 12, 31), "Nyårsafton"),
    (date(2027, 1, 6), "Trettondedag jul"),
    (date(2026, 4, 6), "Annandag påsk"),
    (date(2026, 12, 27), None),  # a Sunday is an ordinary day here
    (date(2026, 12, 19), None),  # so is a Saturday
    (date(2026, 12, 23), None),
])
def test_swedish_holidays_include_the_de_facto_eves_but_not_weekends(day, name):
    assert holiday(day) == name


# --- once -----------------------------------------------------------------------------

def test_once_at_a_local_time():
    assert times("once", {"at": "2026-12-01T09:00"}) == ["2026-12-01 09:00"]
    assert plan("once", {"at": "2026-12-01T09:00"}, now=NOW, tz=TZ).times == [
        utc(2026, 12, 1, 8, 0)]


def test_once_now_is_now_even_on_a_holiday():
    christmas = utc(2026, 12, 25, 10, 0)
    assert plan("once", {"at": "now"}, now=christmas, tz=TZ).times == [christmas]
    assert plan("once", {}, now=NOW, tz=TZ).times == [NOW]


def test_once_in_the_past_is_skipped_and_says_so():
    [occ] = plan("once", {"at": "2026-11-24T09:00"}, now=NOW, tz=TZ).occurrences
    assert occ.skipped and occ.note == "2026-11-24 09:00 has already passed; skipped"


def test_once_on_a_holiday_moves_to_the_nearest_earlier_day_that_is_not_one():
    [occ] = plan("once", {"at": "2026-12-25T10:00"}, now=NOW, tz=TZ).occurrences
    assert shown(occ.at) == "2026-12-23 10:00"  # Christmas Eve is a holiday too
    assert occ.moved and "holiday (Juldagen)" in occ.note


def test_once_on_a_holiday_moves_later_when_the_day_before_has_passed():
    now = utc(2026, 12, 23, 11, 0)  # 12:00 on the 23rd
    assert times("once", {"at": "2026-12-25T09:00"}, now=now) == ["2026-12-27 09:00"]


def test_once_on_a_holiday_is_kept_when_told_to():
    [occ] = plan("once", {"at": "2026-12-25T10:00"}, now=NOW, tz=TZ,
                 skip_holidays=False).occurrences
    assert shown(occ.at) == "2026-12-25 10:00" and "kept as asked" in occ.note


# --- event-relative ---------------------------------------------------------------------

MEETING = {"event_at": "2026-12-03T13:00", "offsets": ["-1d@09:00", "-2h"]}


def test_the_day_before_at_nine_and_two_hours_before():
    assert times("event", MEETING) == ["2026-12-02 09:00", "2026-12-03 11:00"]


def test_now_means_at_registration():
    spec = {"event_at": "2027-01-11T10:00", "offsets": ["now", "-1d"]}
    assert times("event", spec) == ["2026-11-24 12:00", "2027-01-10 10:00"]


def test_past_offsets_are_skipped_and_say_so():
    now = utc(2026, 12, 2, 12, 0)
    [day_before, two_hours] = plan("event", MEETING, now=now, tz=TZ).occurrences
    assert day_before.skipped
    assert day_before.note == "2026-12-02 09:00 has already passed; skipped"
    assert shown(two_hours.at) == "2026-12-03 11:00"


def test_if_past_now_sends_a_late_reminder_at_once_while_the_event_is_ahead():
    spec = {**MEETING, "offsets": ["-1d@09:00"], "if_past": "now"}
    now = utc(2026, 12, 2, 12, 0)
    [occ] = plan("event", spec, now=now, tz=TZ).occurrences
    assert occ.at == now and occ.note.endswith("sent now instead")
    after_the_meeting = utc(2026, 12, 3, 13, 0)
    assert plan("event", spec, now=after_the_meeting, tz=TZ).times == []


def test_a_reminder_on_a_holiday_moves_before_it_and_never_after_its_event():
    spec = {"event_at": "2027-01-02T13:00", "offsets": ["-1d@09:00"]}  # Jan 1 is a holiday
    assert times("event", spec) == ["2026-12-30 09:00"]  # New Year's Eve is one too
    assert times("event", spec, now=utc(2026, 12, 30, 11, 0)) == ["2027-01-02 09:00"]
    on_boxing_day = {"event_at": "2026-12-26T10:00", "offsets": ["-2h"]}
    [occ] = plan("event", on_boxing_day, now=utc(2026, 12, 24, 9, 0), tz=TZ).occurrences
    assert occ.skipped and occ.note == ("2026-12-26 08:00 is a holiday (Annandag jul) and no "
                                        "other day fits before the event; skipped")


def test_a_follow_up_on_a_holiday_moves_to_the_next_day_that_is_not_one():
    spec = {"event_at": "2026-12-22T10:00", "offsets": ["+3d@10:00"]}  # Christmas Day
    assert times("event", spec) == ["2026-12-27 10:00"]


def test_working_days_skip_weekends_and_holidays():
    spec = {"event_at": "2026-12-22T10:00", "offsets": ["+3wd@10:00", "+1wd@10:00"]}
    assert times("event", spec) == ["2026-12-23 10:00", "2026-12-29 10:00"]


def test_two_offsets_on_the_same_moment_send_once():
    spec = {"event_at": "2026-12-03T09:00", "offsets": ["-1d@09:00", "-24h"]}
    occurrences = plan("event", spec, now=NOW, tz=TZ).occurrences
    assert [shown(o.at) for o in occurrences] == ["2026-12-02 09:00", None]
    assert "sent once" in occurrences[1].note


# --- recurring ----------------------------------------------------------------------------

def test_weekdays_over_christmas_drop_every_holiday():
    spec = {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "time": "15:00", "weeks": 3,
            "start": "2026-12-21"}
    occurrences = plan("recurring", spec, now=NOW, tz=TZ).occurrences
    kept = [shown(o.at)[5:10] for o in occurrences if not o.skipped]
    dropped = {o.label: o.note for o in occurrences if o.skipped}
    assert kept == ["12-21", "12-22", "12-23", "12-28", "12-29", "12-30", "01-04", "01-05",
                    "01-07", "01-08"]
    assert dropped == {
        "thu 2026-12-24": "a holiday (Julafton); skipped",
        "fri 2026-12-25": "a holiday (Juldagen); skipped",
        "thu 2026-12-31": "a holiday (Nyårsafton); skipped",
        "fri 2027-01-01": "a holiday (Nyårsdagen); skipped",
        "wed 2027-01-06": "a holiday (Trettondedag jul); skipped",
    }


def test_holidays_are_kept_in_a_series_when_told_to():
    spec = {"weekdays": ["thu"], "time": "15:00", "weeks": 1, "start": "2026-12-24"}
    assert times("recurring", spec, skip_holidays=False) == ["2026-12-24 15:00"]


def test_a_weekend_day_the_case_manager_picked_is_kept():
    spec = {"weekdays": ["lör"], "time": "10:00", "weeks": 2, "start": "2026-12-14"}
    assert times("recurring", spec) == ["2026-12-19 10:00", None]  # 26th: Annandag jul


def test_times_already_past_in_a_series_are_skipped():
    spec = {"weekdays": [1, 2], "time": "09:00", "weeks": 1, "start": "2026-11-23"}
    assert times("recurring", spec) == [None, None]  # Monday, and Tuesday 09:00 < 12:00


def test_every_other_week_and_tapering():
    every = {"weekdays": ["mon"], "time": "10:00", "weeks": 6, "start": "2027-02-01",
             "every": 2}
    assert times("recurring", every) == ["2027-02-01 10:00", "2027-02-15 10:00",
                                         "2027-03-01 10:00"]
    taper = {"weekdays": ["mon"], "time": "10:00", "weeks": 20, "start": "2027-02-01",
             "taper": True}
    weeks = [(datetime.fromisoformat(t).date() - date(2027, 2, 1)).days // 7
             for t in times("recurring", taper)]
    assert weeks == [0, 1, 2, 3, 5, 7, 9, 11, 15, 19]


def test_weekday_names_in_swedish_english_or_iso_numbers_are_stored_alike():
    spec = {"weekdays": ["fredag", "Mån", 3, "wed"], "time": "9:05", "weeks": 1}
    assert normalise("recurring", spec) == {"weekdays": ["mon", "wed", "fri"],
                                            "time": "09:05", "weeks": 1, "every": 1,
                                            "taper": False}


@pytest.mark.parametrize(("kind", "spec"), [
    ("once", {"at": "2026-12-01T09:00"}),
    ("event", {"event_at": "2026-12-03T13:00", "offsets": ["-1D@09:00", "now"]}),
    ("recurring", {"weekdays": ["mån"], "time": "9:00", "weeks": 8, "taper": True}),
    ("recurring", {"weekdays": [5], "time": "15:00", "weeks": 8, "every": 2}),
])
def test_a_stored_spec_reads_back_the_same(kind, spec):
    stored = normalise(kind, spec)
    assert normalise(kind, stored) == stored


# --- daylight saving time -------------------------------------------------------------------

def test_a_time_in_the_spring_forward_gap_moves_forward_by_the_gap():
    [occ] = plan("once", {"at": "2026-03-29T02:30"}, now=utc(2026, 1, 1), tz=TZ).occurrences
    assert occ.at == utc(2026, 3, 29, 1, 30) and shown(occ.at) == "2026-03-29 03:30"
    assert "does not exist" in occ.note


def test_a_time_that_happens_twice_in_autumn_is_the_first_one():
    [occ] = plan("once", {"at": "2026-10-25T02:30"}, now=utc(2026, 1, 1), tz=TZ).occurrences
    assert occ.at == utc(2026, 10, 25, 0, 30)  # 02:30 summer time (+02:00)
    assert "happens twice" in occ.note


def test_a_daily_series_keeps_its_wall_clock_time_over_both_changes():
    spec = {"weekdays": list(range(1, 8)), "time": "09:00", "weeks": 1}
    spring = plan("recurring", {**spec, "start": "2026-03-28"}, now=utc(2026, 1, 1), tz=TZ)
    assert [t.hour for t in spring.times[:3]] == [8, 7, 7]  # UTC: 09:00 CET, then CEST
    autumn = plan("recurring", {**spec, "start": "2026-10-24"}, now=utc(2026, 1, 1), tz=TZ)
    assert [t.hour for t in autumn.times[:3]] == [7, 8, 8]
    gap = plan("recurring", {**spec, "time": "02:30", "start": "2026-03-29"},
               now=utc(2026, 1, 1), tz=TZ).occurrences[0]
    assert shown(gap.at) == "2026-03-29 03:30" and "does not exist" in gap.note


def test_days_count_wall_clock_time_and_hours_count_exact_time_over_a_change():
    spec = {"event_at": "2026-03-29T12:00", "offsets": ["-1d", "-24h"]}
    assert times("event", spec, now=utc(2026, 1, 1)) == ["2026-03-28 11:00",
                                                         "2026-03-28 12:00"]


# --- bad specs ----------------------------------------------------------------------------

EVENT = "2026-12-03T13:00"


@pytest.mark.parametrize(("kind", "spec", "message"), [
    ("weekly", {}, "kind 'weekly': expected one of once, event, recurring"),
    ("once", {"when": "x"}, "a once schedule has no field when; expected at"),
    ("once", {"at": "2026-12-01"}, "at: give a time as well as the date"),
    ("once", {"at": "tomorrow"}, "at: 'tomorrow' is not a time like 2026-12-01T09:00"),
    ("event", {"event_at": EVENT, "offsets": []}, "offsets: give at least one"),
    ("event", {"event_at": EVENT, "offsets": ["2h"]}, "add - (before the event) or +"),
    ("event", {"event_at": EVENT, "offsets": [0]}, "'0' is ambiguous: write 'now'"),
    ("event", {"event_at": EVENT, "offsets": ["-1x"]}, "expected now, -1d@09:00"),
    ("event", {"event_at": EVENT, "offsets": ["-2h@09:00"]}, "a clock time goes with days"),
    ("event", {"event_at": EVENT, "offsets": ["-1d@25:00"]}, "'25:00' is not a clock time"),
    ("event", {"event_at": EVENT, "offsets": ["-1d"], "if_past": "later"},
     "if_past: expected skip or now"),
    ("event", {"offsets": ["-1d@09:00"]}, "event_at: an event schedule needs the event"),
    ("recurring", {"weekdays": [], "time": "15:00", "weeks": 2}, "pick at least one day"),
    ("recurring", {"weekdays": ["funday"], "time": "15:00", "weeks": 2},
     "'funday' is not a day"),
    ("recurring", {"weekdays": ["mon"], "time": "15:00", "weeks": 53},
     "weeks: expected a whole number from 1 to 52, got 53"),
    ("recurring", {"weekdays": ["mon"], "time": 900, "weeks": 2}, "quote it"),
    ("recurring", {"weekdays": ["mon"], "time": "15:00", "weeks": 2, "every": 2,
                   "taper": True}, "every and taper do not go together"),
    ("recurring", {"weekdays": ["mon"], "time": "15:00", "weeks": 2, "start": "2026-13-01"},
     "start: '2026-13-01' is not a date"),
])
def test_bad_specs_say_what_to_write(kind, spec, message):
    with pytest.raises(ScheduleError) as caught:
        plan(kind, spec, now=NOW, tz=TZ)
    assert message in str(caught.value)


@pytest.mark.parametrize(("text", "after"), [
    ("-1d@09:00", False), ("+3wd@10:00", True), ("-2w", False), ("-1h30m", False),
    ("+90m", True), ("0h", False), ("0d@08:00", False),
])
def test_offsets_know_which_side_of_the_event_they_are(text, after):
    assert parse_offset(text).after is after


# --- reasons, for code that explains a plan (the staff app's preview) ---------------------

def test_every_decision_carries_a_reason_code():
    def reasons(kind: str, spec: dict, **kwargs) -> list[str | None]:
        return [o.reason for o in plan(kind, spec, now=NOW, tz=TZ, **kwargs).occurrences]

    assert reasons("once", {"at": "2026-12-25T10:00"}) == ["holiday_moved"]
    assert reasons("once", {"at": "2026-12-25T10:00"}, skip_holidays=False) == ["holiday_kept"]
    assert reasons("once", {"at": "2026-11-20T10:00"}) == ["past_skipped"]
    assert reasons("once", {"at": "2026-12-01T10:00"}) == [None]
    assert reasons("event", {"event_at": "2026-12-03T09:00",
                             "offsets": ["-1d@09:00", "-24h"]}) == [None, "duplicate"]
    assert reasons("event", {"event_at": "2026-11-24T15:00", "offsets": ["-1d@09:00"],
                             "if_past": "now"}) == ["past_now"]
    assert reasons("recurring", {"weekdays": ["fri"], "time": "15:00", "weeks": 1,
                                 "start": "2026-12-21"}) == ["holiday_skipped"]
