"""Dashboard figures: exact counts from seeded rows, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.models import (
    Alert,
    Client,
    Direction,
    Enrollment,
    Message,
    MessageStatus,
    Result,
    Role,
    Staff,
)
from bot.services import reports

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
TZ = ZoneInfo("Europe/Stockholm")
NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # a Wednesday
THIS_MONDAY = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # 23 Nov 00:00 in Stockholm
LAST_WEEK = THIS_MONDAY - timedelta(days=5)
H = timedelta(hours=1)


class Seed:
    """Writes the rows a conversation would leave behind, with explicit times."""

    def __init__(self, session, case_manager):
        self.s, self.cm, self.n = session, case_manager, 0

    def client(self, **fields) -> Client:
        self.n += 1
        client = Client(phone=f"+4670174{self.n:04d}", first_name=f"C{self.n}",
                        case_manager_id=fields.pop("case_manager_id", self.cm.id), **fields)
        self.s.add(client)
        self.s.flush()
        return client

    def enrollment(self, client: Client, flow_id: str = "activity_checkin") -> Enrollment:
        self.n += 1
        e = Enrollment(client_id=client.id, flow_id=flow_id, flow_version=1, start_at=NOW,
                       idempotency_key=f"seed-{self.n}")
        self.s.add(e)
        self.s.flush()
        return e

    def ask(self, e: Enrollment, at: datetime, answer: str | None = None, *,
            after: timedelta = H, key: str = "activity_checkin.attended",
            status: MessageStatus = MessageStatus.DELIVERED, question: str = "attended"):
        self.s.add(Message(client_id=e.client_id, enrollment_id=e.id, direction=Direction.OUT,
                           key=key, body="?", status=status, created_at=at))
        if answer is not None:
            self.s.add(Result(client_id=e.client_id, enrollment_id=e.id, flow_id=e.flow_id,
                              question=question, category=answer, answered_at=at + after))
            self.s.add(Message(client_id=e.client_id, direction=Direction.IN, body="1",
                               status=MessageStatus.HANDLED, created_at=at + after))

    def alert(self, client: Client, reason: str, at: datetime, waited: timedelta | None):
        self.s.add(Alert(client_id=client.id, reason=reason, created_at=at,
                         handled_at=at + waited if waited is not None else None))


@pytest.fixture
def seed(session, case_manager):
    return Seed(session, case_manager)


def ids(*clients: Client) -> sa.Select:
    return sa.select(Client.id).where(Client.id.in_([c.id for c in clients]))


def test_questions_map_every_ask_to_its_answer_name(rt):
    keys = reports.questions(rt.flows)
    assert keys["activity_checkin.attended"] == "attended"
    assert keys["plan_step.progress"] == "progress"
    assert not any(k.endswith(".reask") for k in keys)


@BOTH
def test_answered_share_counts_questions_that_reached_the_client_and_got_an_answer(
        session, seed, rt, people_elsewhere):
    a, b = seed.client(), seed.client()
    e1, e2, e3, e4 = (seed.enrollment(c) for c in (a, a, b, b))
    seed.ask(e1, LAST_WEEK, "yes")
    seed.ask(e2, LAST_WEEK + H, None)  # never answered
    seed.ask(e3, LAST_WEEK + 2 * H, "no", after=timedelta(days=6))  # answered next week
    seed.ask(e4, THIS_MONDAY + timedelta(minutes=30), "partly")  # Monday 00:30 local
    seed.ask(e4, THIS_MONDAY + 2 * H, None, key="activity_checkin.attended.reask")
    seed.ask(seed.enrollment(b), THIS_MONDAY + 3 * H, None, status=MessageStatus.SUPPRESSED)
    seed.ask(seed.enrollment(b), THIS_MONDAY - timedelta(days=30), "yes")  # before the window
    other = seed.client(case_manager_id=people_elsewhere.id)
    seed.ask(seed.enrollment(other), THIS_MONDAY + H, "yes")
    session.commit()
    shares = reports.answered_share(session, ids(a, b), reports.weeks(NOW, TZ, 2),
                                    reports.questions(rt.flows))
    assert [(s.period.first_day, s.asked, s.answered, s.percent) for s in shares] == [
        (date(2026, 11, 16), 3, 2, pytest.approx(200 / 3)), (date(2026, 11, 23), 1, 1, 100)]


@pytest.fixture
def people_elsewhere(session) -> Staff:
    eva = Staff(email="eva@example.se", first_name="Eva", role=Role.CASE_MANAGER,
                team="Team Syd")
    session.add(eva)
    session.commit()
    return eva


@BOTH
def test_checkins_are_counted_per_week_and_answer(session, seed, rt):
    a, b = seed.client(), seed.client()
    for client, at, answer in ((a, LAST_WEEK, "yes"), (a, LAST_WEEK + H, "no"),
                               (b, LAST_WEEK, "yes"), (a, THIS_MONDAY + H, "partly"),
                               (b, THIS_MONDAY + H, "talk"), (b, NOW, "yes")):
        seed.ask(seed.enrollment(client), at, answer, after=timedelta(minutes=5))
    e = seed.enrollment(a, "plan_step")
    seed.ask(e, LAST_WEEK, "stuck", key="plan_step.progress", question="progress")
    session.commit()
    periods = reports.weeks(NOW, TZ, 2)
    assert reports.checkins(session, ids(a, b), periods, rt.flows) == [
        {"yes": 2, "no": 1}, {"partly": 1, "talk": 1, "yes": 1}]
    assert reports.checkins(session, ids(b), periods, rt.flows) == [
        {"yes": 1}, {"talk": 1, "yes": 1}]
    assert reports.plan_steps(session, ids(a, b), periods, rt.flows) == {"stuck": 1}


@BOTH
def test_response_times_from_help_to_handled(session, seed):
    a = seed.client()
    for minutes in (10, 30, 120, 300, 2 * 24 * 60, 4 * 24 * 60):
        seed.alert(a, "help", LAST_WEEK, timedelta(minutes=minutes))
    seed.alert(a, "call_me", THIS_MONDAY, None)  # still open
    seed.alert(a, "absence", THIS_MONDAY, timedelta(minutes=1))  # not a help request
    seed.alert(a, "help", THIS_MONDAY - timedelta(days=40), timedelta(minutes=1))  # too old
    session.commit()
    times = reports.response_times(session, ids(a), reports.weeks(NOW, TZ, 2))
    assert (times.handled, times.still_open, times.groups) == (6, 1, [2, 1, 1, 1, 1])
    assert times.median == pytest.approx((120 + 300) / 2 * 60, abs=1)


@BOTH
def test_response_times_without_alerts(session, seed):
    times = reports.response_times(session, ids(seed.client()), reports.weeks(NOW, TZ, 2))
    assert (times.handled, times.still_open, times.median) == (0, 0, None)


@BOTH
def test_contacts_per_month(session, seed):
    a, b, quiet = seed.client(), seed.client(), seed.client()
    seed.ask(seed.enrollment(a), datetime(2026, 10, 5, tzinfo=UTC), "yes")
    seed.ask(seed.enrollment(a), NOW - 3 * H, "yes")
    seed.ask(seed.enrollment(b), NOW - 2 * H, None)
    seed.ask(seed.enrollment(b), NOW - H, None, status=MessageStatus.FAILED)
    session.commit()
    rows = reports.contacts(session, ids(a, b, quiet), reports.months(NOW, TZ, 2))
    assert [(r.period.first_day, r.sent, r.received, r.clients, r.per_client)
            for r in rows] == [(date(2026, 10, 1), 1, 1, 1, 2.0),
                               (date(2026, 11, 1), 2, 1, 2, 1.5)]


def test_each_report_counts_the_question_its_flow_yaml_names(rt):
    assert reports.counted(rt.flows, "attendance") == reports.Counted(
        "activity_checkin", "attended", ("yes", "partly", "no", "talk"))
    assert reports.counted(rt.flows, "plan_progress") == reports.Counted(
        "plan_step", "progress", ("done", "started", "stuck", "change_goal", "talk"))


def _moved(flows, report: str, to_flow: str, question: str) -> dict:
    """`flows` with `report` taken off its question and put on `to_flow`'s `question`."""
    def edit(flow, step):
        if flow.id == to_flow and getattr(step, "save_as", None) == question:
            return step.model_copy(update={"report": report})
        if getattr(step, "report", None) == report:
            return step.model_copy(update={"report": None})
        return step
    return {flow_id: flow.model_copy(update={"steps": [edit(flow, s) for s in flow.steps]})
            for flow_id, flow in flows.items()}


@BOTH
def test_reports_follow_the_report_key_not_a_flow_id(session, seed, rt):
    client = seed.client()
    seed.ask(seed.enrollment(client), LAST_WEEK, "yes")  # activity_checkin.attended
    e = seed.enrollment(client, "plan_step")
    seed.ask(e, LAST_WEEK, "stuck", key="plan_step.progress", question="progress")
    session.commit()
    periods = reports.weeks(NOW, TZ, 2)
    # The attendance report moved to the plan question: the check-in answer no longer counts.
    moved = _moved(rt.flows, "attendance", "plan_step", "progress")
    assert reports.counted(moved, "attendance").flow_id == "plan_step"
    assert reports.checkins(session, ids(client), periods, moved) == [{"stuck": 1}, {}]
    assert reports.checkins(session, ids(client), periods, rt.flows) == [{"yes": 1}, {}]
    # No flow carries plan_progress: nothing to count, rather than a guessed flow.
    unclaimed = _moved(rt.flows, "plan_progress", "none", "none")
    assert reports.counted(unclaimed, "plan_progress") is None
    assert reports.plan_steps(session, ids(client), periods, unclaimed) == {}
    assert reports.plan_steps(session, ids(client), periods, rt.flows) == {"stuck": 1}
