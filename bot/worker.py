"""The worker: `python -m bot.worker`. Handles inbound SMS, runs due fires, delivers the outbox.

APScheduler only ticks; the schedule itself lives in the database, so any number of
workers can run side by side (SKIP LOCKED on PostgreSQL) and a restart loses nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from bot import create_app, db
from bot.models import utcnow
from bot.services import dispatch, inbound, outbound
from bot.services.runtime import runtime

log = logging.getLogger("bot.worker")

INBOUND_BATCH = 200
FIRE_BATCH = 200
SEND_BATCH = 50  # per send thread: x the sender's timeout stays well under STUCK_AFTER


def tick(app: Flask, now: datetime | None = None) -> tuple[int, int]:
    """Handle stored inbound SMS, run every due fire, then send every due message;
    returns (fires, messages)."""
    _, fires, sent = run_tick(app, now)
    return fires, sent


def run_tick(app: Flask, now: datetime | None = None) -> tuple[int, int, int]:
    """Conversations, then the outbox, until nothing is due; returns (inbound messages
    handled, fires, messages sent). One thread: tests and one-off runs use it."""
    handled = fires = sent = 0
    while True:
        took, ran = converse(app, now)
        delivered = deliver(app, now)
        handled, fires, sent = handled + took, fires + ran, sent + delivered
        if not (took or ran or delivered):
            return handled, fires, sent


def converse(app: Flask, now: datetime | None = None) -> tuple[int, int]:
    """Handle stored inbound SMS (first: a reply is answered in the same pass), then due
    fires, in batches until both come back short; returns (handled, fires)."""
    handled = fires = 0
    with app.app_context(), db.new_session() as session:
        rt = runtime()
        while True:
            now_ = now or utcnow()
            took = inbound.handle_pending(session, rt, now_, INBOUND_BATCH)
            ran = dispatch.run_due(session, rt, now_, FIRE_BATCH)
            handled, fires = handled + took, fires + ran
            if took < INBOUND_BATCH and ran < FIRE_BATCH:
                return handled, fires


def send_batch(rt) -> int:
    """Messages claimed at a time: SEND_BATCH for each send thread, so a claim and the
    wait for a batch's last send are shared by more messages, while no thread has more
    than SEND_BATCH of them to get through before the batch counts as stuck."""
    return SEND_BATCH * rt.send_threads


def deliver(app: Flask, now: datetime | None = None) -> int:
    """Send due messages in batches until a batch comes back short; returns how many."""
    sent = 0
    with app.app_context(), db.new_session() as session:
        rt = runtime()
        limit = send_batch(rt)
        while True:
            delivered = outbound.deliver_due(session, rt, now or utcnow(), limit)
            sent += delivered
            if delivered < limit:
                return sent


def drain(app: Flask) -> tuple[int, int, int]:
    """Run conversations and the outbox side by side, as the worker does, until nothing is
    due; returns (handled, fires, sent). The outbox starts sending while later fires are
    still being run."""
    totals = [0, 0, 0]
    done = threading.Event()

    def conversations() -> None:
        try:
            while True:
                took, ran = converse(app)
                totals[0] += took
                totals[1] += ran
                if not (took or ran):
                    return
        finally:
            done.set()

    thread = threading.Thread(target=conversations, name="knuff-converse")
    thread.start()
    while True:
        finished = done.is_set()
        sent = deliver(app)
        totals[2] += sent
        if finished and not sent:
            break
        if not sent:
            time.sleep(0.005)
    thread.join()
    return totals[0], totals[1], totals[2]


def recover(app: Flask) -> int:
    """Mark messages a crashed worker left mid-send, so they are never sent twice."""
    with app.app_context(), db.new_session() as session:
        return outbound.recover_interrupted(session, utcnow())


def main() -> None:
    app = create_app()
    interval = app.config["KNUFF_WORKER_INTERVAL"]
    scheduler = BackgroundScheduler(timezone="UTC")

    def safe(job, name: str):
        def run() -> None:
            try:
                done = job(app)
                if any(done if isinstance(done, tuple) else (done,)):
                    log.info("%s: %s", name, done)
            except Exception:  # a database hiccup must not kill the worker
                log.exception("%s failed; trying again next tick", name)
        return run

    # Two jobs side by side: the outbox keeps sending while a big batch of nudges is run.
    scheduler.add_job(safe(converse, "handled inbound, ran fires"), "interval",
                      seconds=interval, id="converse", max_instances=1, coalesce=True,
                      next_run_time=utcnow())
    scheduler.add_job(safe(deliver, "sent"), "interval", seconds=interval, id="deliver",
                      max_instances=1, coalesce=True, next_run_time=utcnow())
    scheduler.add_job(lambda: recover(app), "interval", minutes=1, id="recover",
                      max_instances=1, coalesce=True, next_run_time=utcnow())

    # The signal only sets an event the main thread waits on, so a signal that comes while
    # the scheduler is still starting (a deploy that stops a worker it just started) is
    # never lost and never raises inside the scheduler.
    stopping = threading.Event()

    def shutdown(signum, _frame) -> None:
        log.info("signal %s: finishing the current tick and stopping", signum)
        stopping.set()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    log.info("worker started: tick every %.2fs", interval)
    scheduler.start()
    try:
        stopping.wait()
    finally:
        scheduler.shutdown(wait=True)  # the current tick finishes
        with app.app_context():
            runtime().close()  # let in-flight sends finish


if __name__ == "__main__":
    main()
