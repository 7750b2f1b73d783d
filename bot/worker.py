"""The worker: `python -m bot.worker`. Handles inbound SMS, runs due fires, delivers the outbox.

APScheduler only ticks; the schedule itself lives in the database, so any number of
workers can run side by side (SKIP LOCKED on PostgreSQL) and a restart loses nothing.
"""

from __future__ import annotations

import logging
import signal
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from bot import create_app, db
from bot.models import utcnow
from bot.services import dispatch, inbound, outbound
from bot.services.runtime import runtime

log = logging.getLogger("bot.worker")

INBOUND_BATCH = 200
FIRE_BATCH = 200
SEND_BATCH = 50  # x the sender's timeout stays well under outbound.STUCK_AFTER


def tick(app: Flask, now: datetime | None = None) -> tuple[int, int]:
    """Handle stored inbound SMS, run every due fire, then send every due message;
    returns (fires, messages)."""
    _, fires, sent = run_tick(app, now)
    return fires, sent


def run_tick(app: Flask, now: datetime | None = None) -> tuple[int, int, int]:
    """One tick; returns (inbound messages handled, fires, messages sent).

    Inbound first: a client's reply is answered in the same tick that handles it. Each
    part works in batches; the tick loops until every part's batch came back short.
    """
    handled = fires = sent = 0
    with app.app_context():
        rt = runtime()
        with db.new_session() as session:
            while True:
                now_ = now or utcnow()
                took = inbound.handle_pending(session, rt, now_, INBOUND_BATCH)
                ran = dispatch.run_due(session, rt, now_, FIRE_BATCH)
                delivered = outbound.deliver_due(session, rt, now_, SEND_BATCH)
                handled, fires, sent = handled + took, fires + ran, sent + delivered
                if took < INBOUND_BATCH and ran < FIRE_BATCH and delivered < SEND_BATCH:
                    return handled, fires, sent


def recover(app: Flask) -> int:
    """Mark messages a crashed worker left mid-send, so they are never sent twice."""
    with app.app_context(), db.new_session() as session:
        return outbound.recover_interrupted(session, utcnow())


def main() -> None:
    app = create_app()
    interval = app.config["KNUFF_WORKER_INTERVAL"]
    scheduler = BlockingScheduler(timezone="UTC")

    def safe_tick() -> None:
        try:
            handled, fires, sent = run_tick(app)
            if handled or fires or sent:
                log.info("handled %d inbound, ran %d fires, sent %d messages",
                         handled, fires, sent)
        except Exception:  # a database hiccup must not kill the worker
            log.exception("tick failed; trying again next tick")

    scheduler.add_job(safe_tick, "interval", seconds=interval, id="tick", max_instances=1,
                      coalesce=True, next_run_time=utcnow())
    scheduler.add_job(lambda: recover(app), "interval", minutes=1, id="recover",
                      max_instances=1, coalesce=True, next_run_time=utcnow())

    def shutdown(signum, _frame) -> None:
        log.info("signal %s: finishing the current tick and stopping", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    log.info("worker started: tick every %.2fs", interval)
    scheduler.start()


if __name__ == "__main__":
    main()
