"""`flask --app bot schedule`: the timing forms, a dry run, list and cancel."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import time_machine

from bot.models import AuditEvent, Enrollment, EnrollmentStatus, Schedule
from tests.conftest import NOON


@pytest.fixture
def runner(app):
    with time_machine.travel(NOON, tick=False):
        yield app.test_cli_runner()


@pytest.fixture
def amina(make_client):
    return make_client(phone="+46701740605")


def run(runner, *args):
    return runner.invoke(args=["schedule", *args])


def starts(session) -> list[str]:
    session.expire_all()
    return [f"{e.start_at:%m-%d %H:%M}" for e in session.scalars(
        sa.select(Enrollment).where(Enrollment.status == EnrollmentStatus.SCHEDULED)
        .order_by(Enrollment.start_at))]


def test_event_relative_with_offsets(runner, session, amina):
    result = run(runner, "add", "070-174 06 05", "meeting_reminder",
                 "--event-at", "2026-12-03T13:00", "--offset", "-1d@09:00", "--offset", "-2h")
    assert result.exit_code == 0, result.output
    assert "Wed 2026-12-02 09:00" in result.output and "2 nudges" in result.output
    assert starts(session) == ["12-02 08:00", "12-03 10:00"]  # UTC
    schedule = session.scalar(sa.select(Schedule))
    assert schedule.params == {"meeting_at": "2026-12-03T12:00:00+00:00"}
    assert session.scalar(sa.select(AuditEvent.actor)) == "cli"


def test_recurring_weekdays_over_christmas_show_what_is_skipped(runner, session, amina):
    result = run(runner, "add", "0701740605", "activity_checkin", "--weekdays", "mon-fri",
                 "--time", "15:00", "--weeks", "2", "--start", "2026-12-21")
    assert result.exit_code == 0, result.output
    assert "skip Thu 2026-12-24 15:00  (a holiday (Julafton); skipped)" in result.output
    assert len(starts(session)) == 6


def test_a_dry_run_schedules_nothing(runner, session, amina):
    result = run(runner, "add", "0701740605", "motivation", "--at", "2026-12-25T10:00",
                 "--dry-run")
    assert result.exit_code == 0, result.output
    assert "move Wed 2026-12-23 10:00" in result.output and "dry run: 1" in result.output
    assert starts(session) == []


def test_without_timing_options_the_flow_default_or_now(runner, session, amina):
    result = run(runner, "add", "0701740605", "motivation")
    assert result.exit_code == 0, result.output
    assert len(starts(session)) >= 1


@pytest.mark.parametrize(("args", "message"), [
    (["--at", "2026-12-01T10:00", "--weeks", "2"], "pick one timing"),
    (["--weekdays", "funday", "--time", "15:00", "--weeks", "2"], "'funday' is not a day"),
    (["--event-at", "2026-12-03T13:00", "--offset", "2h"], "add - (before the event)"),
    (["--at", "2026-11-20T10:00"], "nothing to schedule"),
    (["--param", "x"], "write it as NAME=VALUE"),
])
def test_mistakes_are_explained(runner, session, amina, args, message):
    result = run(runner, "add", "0701740605", "motivation", *args)
    assert result.exit_code != 0 and message in result.output, result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Schedule)) == 0


def test_list_and_cancel(runner, session, amina):
    run(runner, "add", "0701740605", "motivation", "--weekdays", "wed", "--time", "10:00",
        "--weeks", "3")
    listed = run(runner, "list", "0701740605")
    assert "motivation (recurring), 3 to come" in listed.output
    schedule = session.scalar(sa.select(Schedule))
    cancelled = run(runner, "cancel", str(schedule.id))
    assert cancelled.exit_code == 0 and "3 nudges will not be sent" in cancelled.output
    assert run(runner, "list", "0701740605").output.strip() == "no schedules"
    assert run(runner, "cancel", "999").exit_code != 0
    assert run(runner, "list", "0701740699").exit_code != 0


def test_enrol_still_works(runner, session, amina):
    result = runner.invoke(args=["enrol", "0701740605", "activity_checkin",
                                 "--at", "2026-12-01T15:00"])
    assert result.exit_code == 0, result.output
