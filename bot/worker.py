"""The worker: `python -m bot.worker`. Runs due fires and delivers the outbox.

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
from bot.services import dispatch, outbound
from bot.services.runtime import runtime

log = logging.getLogger("bot.worker")

FIRE_BATCH = 200
SEND_BATCH = 50  # x the sender's timeout stays well under outbound.STUCK_AFTER


def tick(app: Flask, now: datetime | None = None) -> tuple[int, int]:
    """Run every due fire, then send every due message; returns (fires, messages)."""
    fires = sent = 0
    with app.app_context():
        rt = runtime()
        with db.new_session() as session:
            while True:
                now_ = now or utcnow()
                ran = dispatch.run_due(session, rt, now_, FIRE_BATCH)
                delivered = outbound.deliver_due(session, rt, now_, SEND_BATCH)
                fires, sent = fires + ran, sent + delivered
                if ran < FIRE_BATCH and delivered < SEND_BATCH:
                    return fires, sent


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
            fires, sent = tick(app)
            if fires or sent:
                log.info("ran %d fires, sent %d messages", fires, sent)
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
