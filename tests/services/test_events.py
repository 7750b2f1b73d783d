"""System events: a new case manager introduces themselves; a closed case asks what helped."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.models import AuditEvent, EnrollmentStatus, Message, Role, Staff
from bot.services import conversations, dispatch, events, schedules
from tests.conftest import NOON


@pytest.fixture
def ali(session) -> Staff:
    staff = Staff(email="ali@example.se", first_name="Ali", role=Role.CASE_MANAGER)
    session.add(staff)
    session.commit()
    return staff


def audits(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_a_new_case_manager_introduces_themselves(session, rt, make_client, case_manager, ali):
    client = make_client()
    outcome = events.case_reassigned(session, rt, client, ali, "admin@example.se", now=NOON)
    session.commit()
    assert client.case_manager_id == ali.id and outcome.problem is None
    [nudge] = schedules.nudges(session, schedule=outcome.schedule)
    assert nudge.flow_id == "new_case_manager" and nudge.start_at == NOON
    dispatch.run_due(session, rt, NOON)
    assert "Ali" in session.scalar(sa.select(Message.body))
    [change] = audits(session, "case.reassign")
    assert change.detail == {"from": case_manager.id, "to": ali.id}  # counted in reports


def test_planned_nudges_name_the_new_case_manager(session, rt, make_client, ali):
    client = make_client()
    conversations.enrol(session, rt, client, "activity_checkin", at=NOON, by="test")
    events.case_reassigned(session, rt, client, ali, "admin@example.se", now=NOON)
    session.commit()
    dispatch.run_due(session, rt, NOON)
    assert all("Sara" not in body for body in session.scalars(sa.select(Message.body)))


def test_reassigning_to_the_same_or_to_no_case_manager(session, rt, make_client, case_manager):
    client = make_client()
    outcome = events.case_reassigned(session, rt, client, case_manager, "x", now=NOON)
    assert outcome.schedule is None and "no change" in outcome.problem
    interpreter = Staff(email="t@example.se", first_name="Nadia", role=Role.INTERPRETER)
    session.add(interpreter)
    session.flush()
    with pytest.raises(events.EventError, match="not an active case manager"):
        events.case_reassigned(session, rt, client, interpreter, "x", now=NOON)


def test_a_missing_flow_does_not_stop_the_reassignment(session, rt, make_client, ali,
                                                       monkeypatch):
    monkeypatch.delitem(rt.flows, "new_case_manager")
    client = make_client()
    outcome = events.case_reassigned(session, rt, client, ali, "admin@example.se", now=NOON)
    assert client.case_manager_id == ali.id and outcome.schedule is None
    assert outcome.problem == ("flow 'new_case_manager' is not installed "
                               "(flows/new_case_manager.yaml): no message was scheduled")
    assert len(audits(session, "case.reassign")) == 1


def test_closing_a_case_ends_its_nudges_and_asks_what_helped(session, rt, make_client):
    client = make_client()
    checkins = schedules.create_schedule(
        session, rt, client, "activity_checkin", "recurring",
        {"weekdays": ["wed"], "time": "15:00", "weeks": 4}, {}, "sara@example.se", now=NOON)
    talking = conversations.start_now(session, rt, client, "motivation", NOON, by="test")
    outcome = events.case_closed(session, rt, client, "work", "sara@example.se", now=NOON)
    session.commit()
    assert checkins.cancelled_at is not None and talking.status is EnrollmentStatus.STOPPED
    assert schedules.nudges(session, schedule=checkins) == []
    [feedback] = schedules.nudges(session, schedule=outcome.schedule)
    assert feedback.flow_id == "exit_feedback"
    kind, spec = schedules.default_timing(rt, "exit_feedback") or events.AT_ONCE
    expected = schedules.preview(session, rt, client, "exit_feedback", kind, spec, now=NOON)
    assert [feedback.start_at] == expected.times
    [closed] = audits(session, "case.close")
    assert closed.detail == {"reason": "work", "stopped": 1}


def test_a_case_closes_only_to_work_or_studies(session, rt, make_client):
    with pytest.raises(events.EventError, match="expected work or studies"):
        events.case_closed(session, rt, make_client(), "moved", "x", now=NOON)


def test_closing_a_case_without_the_feedback_flow_says_so(session, rt, make_client,
                                                          monkeypatch):
    monkeypatch.delitem(rt.flows, "exit_feedback")
    outcome = events.case_closed(session, rt, make_client(), "studies", "x", now=NOON)
    assert outcome.schedule is None and "'exit_feedback' is not installed" in outcome.problem
    assert len(audits(session, "case.close")) == 1
