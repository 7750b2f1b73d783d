"""A flow's trigger block: who starts it, which keyword, which event, its default timing."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.flows.loader import load_library
from bot.scheduling import plan
from tests.flows.conftest import problems_of

FLOWS = load_library("flows")
TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)  # Tuesday 12:00 in Stockholm


@pytest.mark.parametrize(("trigger", "problem"), [
    ({"by": "someone"}, "trigger.by: Input should be 'case_manager', 'client' or 'system'"),
    ({"by": "client", "keyword": "dance"}, "trigger.keyword: Input should be"),
    ({"by": "case_manager", "keyword": "help"}, "a keyword starts a flow only when the client"),
    ({"by": "system", "default": {"kind": "event", "offsets": ["2h"]}},
     "add - (before the event) or + (after it)"),
    ({"by": "system", "default": {"kind": "recurring", "weekdays": ["mon"], "time": 900,
                                  "weeks": 2}}, "quote it"),
    ({"by": "system", "default": {"kind": "once", "when": "now"}}, "has no field when"),
    ({"by": "system", "event": "meeting_at",
      "default": {"kind": "event", "offsets": ["-1d@09:00"]}},
     "trigger.event 'meeting_at' must name a datetime param of this flow"),
    ({"by": "system", "event": "meeting_at"}, "event goes with a default of kind: event"),
])
def test_a_bad_trigger_is_reported_precisely(tmp_path, tiny, trigger, problem):
    problems = problems_of(tmp_path, {**tiny, "trigger": trigger})
    assert any(problem in p for p in problems), problems


def test_every_flow_but_system_says_who_starts_it():
    assert {f for f, flow in FLOWS.items() if flow.trigger is None} <= {"system"}
    keywords = {flow.trigger.keyword: f for f, flow in FLOWS.items()
                if flow.trigger and flow.trigger.keyword}
    assert keywords == {"help": "help", "language": "language", "interpreter": "interpreter",
                        "absence": "absence"}


def starts(flow_id: str, **event: str) -> list[str]:
    default = FLOWS[flow_id].trigger.default
    spec = default.spec()
    if event:
        spec["event_at"] = next(iter(event.values()))
    elif default.kind == "event":
        spec["event_at"] = NOW
    times = plan(default.kind, spec, now=NOW, tz=TZ).times
    return [f"{t.astimezone(TZ):%a %d/%m %H:%M}" for t in times]


def test_default_timings_follow_the_domain_table():
    assert starts("welcome") == starts("new_case_manager") == ["Tue 24/11 12:00"]
    # The day before at 09:00; the 2 h reminder is the flow's own wait step.
    assert starts("meeting_reminder", meeting_at="2026-12-03T13:00") == ["Wed 02/12 09:00"]
    assert starts("activity_start", start_at="2026-12-07T09:00") == ["Tue 24/11 12:00"]
    assert starts("activity_end", end_at="2026-12-31T16:00") == ["Thu 17/12 10:00"]
    assert starts("activity_end", end_at="2026-11-30T16:00") == ["Tue 24/11 12:00"]  # late
    checkins = starts("activity_checkin")
    assert checkins[:5] == ["Tue 24/11 15:00", "Wed 25/11 15:00", "Thu 26/11 15:00",
                            "Fri 27/11 15:00", "Mon 30/11 15:00"]
    assert len(starts("motivation")) == 6  # of 8 Thursdays: 24/12 and 31/12 are holidays
    assert starts("plan_step") == starts("exit_feedback") == ["Fri 27/11 10:00"]
    assert len(starts("in_work")) == 10  # tapering over half a year; 1/1 is a holiday
