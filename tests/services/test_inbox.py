"""The webhook's one write: stored once, deduped, and queued on a file lock on SQLite."""

from __future__ import annotations

import fcntl
import os
import threading

import sqlalchemy as sa

from bot.models import Message
from bot.services import inbox
from tests.conftest import NOON


def test_store_keeps_the_sms_once(app, session):
    engine = app.extensions["knuff.engine"]
    session.commit()
    sms = inbox.Inbound("SMx", "+46701740605", "ሰላም 🙂")
    assert inbox.store(engine, sms, NOON) is True
    assert inbox.store(engine, sms, NOON) is False
    stored = session.scalars(sa.select(Message)).all()
    assert [(m.body, m.created_at) for m in stored] == [("ሰላም 🙂", NOON)]


def test_writers_wait_their_turn_on_the_lock_file(app, session):
    engine = app.extensions["knuff.engine"]
    session.commit()
    held = os.open(f"{engine.url.database}.writer-lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(held, fcntl.LOCK_EX)  # another web process is writing
    done = threading.Event()
    writer = threading.Thread(target=lambda: done.set() if inbox.store(
        engine, inbox.Inbound("SMy", "+46701740605", "1"), NOON) else None)
    writer.start()
    try:
        assert not done.wait(0.3)  # waits for the lock, does not fail
    finally:
        fcntl.flock(held, fcntl.LOCK_UN)
        os.close(held)
    writer.join(5)
    assert done.is_set()
