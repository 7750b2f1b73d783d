"""Many workers, crashed workers: every due nudge leaves once, and never twice."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot import db
from bot.messaging.senders import SendResult
from bot.models import Alert, Client, Direction, Fire, FireStatus, Message, MessageStatus, utcnow
from bot.phones import parse_mobile
from bot.services import conversations, dispatch, outbound
from bot.services.runtime import runtime
from bot.worker import SEND_BATCH, tick
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, RecordingSender, make_app
from tests.integration.conftest import ClockedFake, knuff_env, wait_for

SENT = {MessageStatus.ACCEPTED, MessageStatus.SENT}


def phones(n: int) -> list[str]:
    """`n` distinct valid Swedish mobile numbers (070-100 00 00 upwards)."""
    return [f"+4670{1_000_000 + i}" for i in range(n)]


def enrol_due_now(app, numbers: list[str]) -> None:
    """Register a client per number and enrol each in a check-in due now, in one commit."""
    with app.app_context():
        session, rt = db.session(), runtime()
        clients = [Client(phone=phone, first_name="Amina") for phone in numbers]
        session.add_all(clients)
        session.flush()
        now = utcnow()
        for client in clients:
            conversations.enrol(session, rt, client, "activity_checkin", at=now, by="test")
        session.commit()


def outbound_rows(app) -> list[Message]:
    with app.app_context(), db.new_session() as session:
        return list(session.scalars(sa.select(Message).where(Message.direction == Direction.OUT)
                                    .order_by(Message.id)))


def settled(app) -> bool:
    """No fire due and no message queued or mid-send: the workers have nothing left."""
    with app.app_context(), db.new_session() as session:
        pending = _due_fires(session)
        unsent = session.scalar(sa.select(sa.func.count()).select_from(Message).where(
            Message.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING])))
    return pending == 0 and unsent == 0


@pytest.fixture
def pg_app(pg_url):
    app = make_app(pg_url)
    yield app
    app.extensions["knuff.engine"].dispose()


def test_the_numbers_used_here_are_valid_swedish_mobiles():
    numbers = phones(2000)
    assert len(set(numbers)) == 2000
    assert all(parse_mobile(number) == number for number in numbers)


SEND_THREADS = 4  # the worker's default (KNUFF_SEND_THREADS)


@pytest.mark.slow
@pytest.mark.postgres
def test_two_workers_dispatching_2000_due_nudges_send_each_exactly_once(
        pg_url, pg_app, procs, fake):
    # Each worker sends from its own number, so the fake can tell who sent what.
    first = procs.worker(knuff_env(pg_url, fake, TWILIO_FROM="+46700000001",
                                   KNUFF_WORKER_INTERVAL="0.2"), "worker-1")
    second = procs.worker(knuff_env(pg_url, fake, TWILIO_FROM="+46700000002",
                                    KNUFF_WORKER_INTERVAL="0.2"), "worker-2")
    numbers = phones(2000)
    started = time.monotonic()
    enrol_due_now(pg_app, numbers)  # both workers are already polling: they contend
    print(f"enrolled in {time.monotonic() - started:.1f}s")

    wait_for(lambda: fake.count >= 2000, 90, "2,000 messages at the fake Twilio", 0.1)
    print(f"2,000 at the fake after {time.monotonic() - started:.1f}s")
    wait_for(lambda: settled(pg_app), 30, "the workers to finish", 0.1)
    assert first.stop() == 0 and second.stop() == 0  # after this, nothing more can leave

    assert fake.request_count == fake.count == 2000
    tos = Counter(m["to"] for m in fake.messages)
    assert sorted(tos) == sorted(numbers) and set(tos.values()) == {1}
    by_worker = Counter(m["from"] for m in fake.messages)
    assert set(by_worker) == {"+46700000001", "+46700000002"}, by_worker
    rows = outbound_rows(pg_app)
    assert len(rows) == 2000
    assert {row.status for row in rows} <= SENT
    sids = {row.provider_sid for row in rows}
    assert len(sids) == 2000 and sids == {m["sid"] for m in fake.messages}


@pytest.mark.postgres
def test_two_claims_at_once_take_disjoint_rows_without_waiting(pg_app):
    enrol_due_now(pg_app, phones(6))
    now = utcnow()
    with pg_app.app_context():
        rt, sessions = runtime(), pg_app.extensions["knuff.sessionmaker"]
        _claims_are_disjoint(sessions, lambda s: dispatch.claim_due(s, rt, now, 4))
        with sessions() as session:  # turn the fires into queued messages
            assert dispatch.run_due(session, rt, now) == 6
        _claims_are_disjoint(sessions, lambda s: outbound.claim(s, now, 4))


def _claims_are_disjoint(sessions, claim) -> None:
    """Two transactions claim 4 of 6 rows at once: the second gets the other 2, at once."""
    with sessions() as first, sessions() as second:
        second.execute(sa.text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail
        mine, theirs = claim(first), claim(second)  # `first` still holds its locks
        assert (len(mine), len(theirs)) == (4, 2)
        assert not {row.id for row in mine} & {row.id for row in theirs}


class StallingFake(ClockedFake):
    """Holds the `stall_at`-th message POST until released: a worker is caught mid-send."""

    def __init__(self, *args, stall_at: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stall_at, self.seen = stall_at, 0
        self.stalled, self.release = threading.Event(), threading.Event()
        self._seen_lock = threading.Lock()

    def handle_create(self, account_sid, auth, form):
        with self._seen_lock:
            self.seen += 1
            stall = self.seen == self.stall_at
        if stall:
            self.stalled.set()
            self.release.wait(30)
        return super().handle_create(account_sid, auth, form)


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_restarted_after_a_crash_sends_what_was_due_and_nothing_twice(
        pg_url, pg_app, procs):
    batch = SEND_BATCH * SEND_THREADS  # what the worker claims at a time
    n = batch + 100
    numbers = phones(n)
    fake = StallingFake(ACCOUNT_SID, AUTH_TOKEN, stall_at=batch + 10).start()
    try:
        env = knuff_env(pg_url, fake, KNUFF_WORKER_INTERVAL="0.2")
        crashed = procs.worker(env, "worker-crashed")
        enrol_due_now(pg_app, numbers)
        wait_for(fake.stalled.is_set, 30, "the worker to be mid-send in its second batch")
        crashed.crash()
        crashed_at = utcnow()
        fake.release.set()

        restarted = procs.worker(env, "worker-restarted")
        wait_for(lambda: _only_stuck_left(pg_app, crashed_at), 60,
                 "the restarted worker to finish", 0.1)
        assert restarted.stop() == 0
        received = fake.messages
    finally:
        fake.release.set()
        fake.close()

    tos = Counter(m["to"] for m in received)
    assert set(tos.values()) == {1}, [to for to, k in tos.items() if k > 1]
    assert set(tos) <= set(numbers)
    rows = outbound_rows(pg_app)
    assert len(rows) == n  # each fire ran once, though a worker died
    stuck = [row for row in rows if row.status is MessageStatus.SENDING]
    claimed = [row for row in rows if row.status is MessageStatus.CLAIMED]
    # Only what was in flight is in doubt: the send threads and one queued behind them.
    assert 1 <= len(stuck) <= SEND_THREADS + 1
    assert 0 < len(claimed) < batch  # the rest of its batch was never attempted
    assert {row.status for row in rows} - {MessageStatus.SENDING, MessageStatus.CLAIMED} <= SENT

    sender = pg_app.config["SENDER"]
    with pg_app.app_context(), db.new_session() as session:
        assert outbound.recover_interrupted(session, utcnow()) == 0  # too early to judge
        later = utcnow() + outbound.STUCK_AFTER + timedelta(minutes=1)
        assert outbound.recover_interrupted(session, later) == len(stuck)
        alerts = session.scalar(sa.select(sa.func.count()).select_from(Alert)
                                .where(Alert.reason == "delivery_unknown"))
    assert alerts == len(stuck)
    assert tick(pg_app, later) == (0, len(claimed))  # the never-attempted ones go out now

    phone_of = _phones_by_client(pg_app)
    sid_to = {m["sid"]: m["to"] for m in received}
    sid_to.update({sid: to for sid, to in zip(sender.sids, (to for to, _ in sender.sent),
                                              strict=True)})
    everyone = Counter(m["to"] for m in received) + Counter(to for to, _ in sender.sent)
    for row in outbound_rows(pg_app):
        phone = phone_of[row.client_id]
        if row.status is MessageStatus.UNKNOWN:  # may or may not have left: never resent
            assert everyone[phone] <= 1
        else:  # sent once, and the stored provider id is the message that went out
            assert everyone[phone] == 1
            assert row.status in SENT and sid_to.get(row.provider_sid) == phone
    unknown = [row for row in outbound_rows(pg_app) if row.status is MessageStatus.UNKNOWN]
    assert len(unknown) == len(stuck)


def _only_stuck_left(app, crashed_at) -> bool:
    """Nothing due, queued or mid-send any more, except what the crashed worker left."""
    with app.app_context(), db.new_session() as session:
        pending = _due_fires(session)
        busy = session.scalar(sa.select(sa.func.count()).select_from(Message).where(
            (Message.status == MessageStatus.QUEUED)
            | (Message.status.in_([MessageStatus.SENDING, MessageStatus.CLAIMED])
               & (Message.updated_at >= crashed_at))))
    return pending == 0 and busy == 0


def _due_fires(session) -> int:
    """Fires due by now and not yet run (the check-in's later timers are not due)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Fire).where(
        Fire.status == FireStatus.PENDING, Fire.due_at <= utcnow()))


def _phones_by_client(app) -> dict[int, str]:
    with app.app_context(), db.new_session() as session:
        return {cid: phone for cid, phone in session.execute(sa.select(Client.id, Client.phone))}


class CrashingSender(RecordingSender):
    """Hands over `crash_after` messages, then the process 'dies' inside the next send."""

    def __init__(self, crash_after: int) -> None:
        super().__init__()
        self.crash_after = crash_after

    def send(self, to, body, *, status_callback=None) -> SendResult:
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise WorkerDied
        return super().send(to, body, status_callback=status_callback)


class WorkerDied(BaseException):
    """Not an Exception: nothing in Knuff may catch it, as nothing survives a SIGKILL."""


@pytest.mark.parametrize("database_url", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_messages_claimed_by_a_worker_that_died_are_never_resent(database_url):
    sender = CrashingSender(crash_after=2)  # the dead worker's: it stays dead
    app = make_app(database_url, SENDER=sender)
    restarted = make_app(database_url, SENDER=RecordingSender())
    try:
        numbers = phones(5)
        enrol_due_now(app, numbers)
        with pytest.raises(WorkerDied):
            tick(app)
        app.extensions["knuff.runtime"].close()
        # Two left before the crash, and their provider ids were stored at once.
        assert [to for to, _ in sender.sent] == numbers[:2]

        assert tick(restarted) == (0, 0)
        assert tick(restarted, utcnow() + timedelta(hours=1)) == (0, 0)
        S, C = MessageStatus.SENDING, MessageStatus.CLAIMED
        # One send thread: the message it was sending is the only one in doubt.
        assert [row.status for row in outbound_rows(app)][2:] == [S, C, C]

        later = utcnow() + outbound.STUCK_AFTER + timedelta(minutes=1)
        with restarted.app_context(), db.new_session() as session:
            assert outbound.recover_interrupted(session, later) == 1
        assert tick(restarted, later) == (0, 2)  # claimed but never attempted: sent now
        assert [row.status for row in outbound_rows(app)][2] is MessageStatus.UNKNOWN
        assert [to for to, _ in restarted.config["SENDER"].sent] == numbers[3:]
        assert len(sender.sent) == 2
    finally:
        app.extensions["knuff.engine"].dispose()
        restarted.extensions["knuff.engine"].dispose()
