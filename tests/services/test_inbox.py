"""The webhook's one write: stored once, deduped, and queued on a file lock on SQLite."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
import sqlalchemy as sa

from bot.models import Message
from bot.services import inbox
from tests.conftest import NOON

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@BOTH
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


@BOTH
def test_a_nul_character_is_kept_visible_not_lost_or_refused(app, session):
    engine = app.extensions["knuff.engine"]
    session.commit()
    assert inbox.store(engine, inbox.Inbound("SMnul", "+46701740605", "ja\x00tack"), NOON)
    assert session.scalar(sa.select(Message.body)) == "ja\ufffdtack"


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_prepares_again_when_the_session_lost_the_statement(app, session):
    """A pooler that resets sessions (DISCARD ALL) drops prepared statements."""
    engine = app.extensions["knuff.engine"]
    session.commit()
    assert inbox.store(engine, inbox.Inbound("SMa", "+46701740605", "1"), NOON)
    own = inbox._connections(engine).get(engine)
    own.execute("DEALLOCATE ALL")
    assert inbox.store(engine, inbox.Inbound("SMb", "+46701740605", "2"), NOON)
    assert not inbox.store(engine, inbox.Inbound("SMb", "+46701740605", "2"), NOON)
    assert session.scalars(sa.select(Message.body).order_by(Message.id)).all() == ["1", "2"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_reconnects_when_the_server_dropped_the_connection(app, session):
    engine = app.extensions["knuff.engine"]
    session.commit()
    assert inbox.store(engine, inbox.Inbound("SMa", "+46701740605", "1"), NOON)
    pid = inbox._connections(engine).get(engine).info.backend_pid
    with engine.connect() as conn:  # as a server restart would
        assert conn.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    assert inbox.store(engine, inbox.Inbound("SMb", "+46701740605", "2"), NOON)
    assert session.scalars(sa.select(Message.body).order_by(Message.id)).all() == ["1", "2"]
