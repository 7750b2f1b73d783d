"""The worker process keeps time: due nudges leave promptly, quiet hours hold them back."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot import db
from bot.models import (
    Client,
    Direction,
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Message,
    utcnow,
)
from bot.services import conversations
from bot.services.runtime import runtime
from tests.conftest import make_app
from tests.integration.conftest import knuff_env, stays, wait_for

pytestmark = pytest.mark.slow

AMINA, BORIS = "+46701740605", "+46701740606"


@pytest.fixture
def shared(tmp_path):
    """An SQLite database the test and the worker process share, and an app to reach it."""
    url = f"sqlite:///{tmp_path / 'knuff.sqlite3'}"
    app = make_app(url)
    yield app, url
    app.extensions["knuff.engine"].dispose()


def enrol(app, phone: str, at: datetime) -> int:
    """Register a client and enrol them in a check-in starting at `at`."""
    with app.app_context():
        session = db.session()
        client = Client(phone=phone, first_name="Amina")
        session.add(client)
        session.flush()
        enrollment = conversations.enrol(session, runtime(), client, "activity_checkin",
                                         at=at, by="test")
        session.commit()
        return enrollment.id


def query(app, statement):
    with app.app_context(), db.new_session() as session:
        return list(session.scalars(statement))


def quiet_hours_around_now(tz: str = "Europe/Stockholm") -> str:
    """A quiet-hours spec from an hour ago to an hour ahead, on the wall clock of `tz`."""
    local = datetime.now(ZoneInfo(tz))
    return f"{local - timedelta(hours=1):%H:%M}-{local + timedelta(hours=1):%H:%M}"


def test_a_due_nudge_leaves_within_5_seconds_of_its_time_and_not_before(shared, procs, fake):
    app, url = shared
    procs.worker(knuff_env(url, fake))  # the default tick interval (0.5 s)
    due = utcnow() + timedelta(seconds=2)
    enrol(app, AMINA, due)

    wait_for(lambda: fake.arrivals, 10, "the nudge at the fake Twilio")
    (arrived, form), = fake.arrivals
    assert form["To"] == AMINA
    assert due <= arrived <= due + timedelta(seconds=5), (due, arrived)
    # The fake records the request as it arrives; the worker stores the result when the
    # response is back, a moment later (longer on a loaded machine).
    outgoing = sa.select(Message).where(Message.direction == Direction.OUT,
                                        Message.sent_at.is_not(None))
    wait_for(lambda: query(app, outgoing), 10, "the result stored by the worker")
    (sent,) = query(app, outgoing)
    assert sent.sent_at >= due


def test_a_nudge_due_in_quiet_hours_is_held_and_leaves_once_they_are_off(shared, procs, fake):
    app, url = shared
    quiet = procs.worker(knuff_env(url, fake, KNUFF_QUIET_HOURS=quiet_hours_around_now()),
                         "worker-quiet")
    enrolled = time.monotonic()
    enrol(app, AMINA, utcnow())
    # A barrier the worker does handle in quiet hours: an expiry, due now, for Boris's
    # check-in (starting tomorrow). Once it has run, the worker has also seen, and held
    # back, Amina's due nudge.
    boris = enrol(app, BORIS, utcnow() + timedelta(days=1))
    with app.app_context():
        session = db.session()
        session.add(Fire(kind=FireKind.EXPIRE, enrollment_id=boris, due_at=utcnow(), seq=-1,
                         idempotency_key=f"expire:{boris}:-1"))
        session.commit()

    def boris_expired() -> bool:
        (status,) = query(app, sa.select(Enrollment.status).where(Enrollment.id == boris))
        return status is EnrollmentStatus.EXPIRED

    wait_for(boris_expired, 5, "the quiet-hours worker to run the due expiry", 0.05)
    remaining = 4 - (time.monotonic() - enrolled)
    assert stays(lambda: fake.count == 0, max(remaining, 0.5)), fake.messages
    assert quiet.alive
    assert query(app, sa.select(Message)) == []
    starts = query(app, sa.select(Fire.status).where(Fire.kind == FireKind.START)
                   .order_by(Fire.id))
    assert starts == [FireStatus.PENDING, FireStatus.CANCELLED]  # Amina's waits; Boris's ended
    assert quiet.stop() == 0

    procs.worker(knuff_env(url, fake), "worker-daytime")  # the same nudge, quiet hours off
    wait_for(lambda: fake.arrivals, 5, "the held nudge at the fake Twilio")
    assert [m["to"] for m in fake.messages] == [AMINA]
    assert "Var du med på din aktivitet i dag?" in fake.messages[0]["body"]


@pytest.mark.parametrize("attempt", range(3))
def test_a_worker_stopped_as_soon_as_it_started_exits_cleanly_at_once(shared, procs, fake,
                                                                     attempt):
    """A deploy may stop a worker it has just started: the signal must not be lost in the
    scheduler's start-up, nor leave the process hanging until it is killed."""
    _app, url = shared
    worker = procs.worker(knuff_env(url, fake), f"worker-stopped-{attempt}")
    began = time.monotonic()
    assert worker.stop(timeout=10) == 0
    assert time.monotonic() - began < 5
