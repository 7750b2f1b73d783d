"""The webhook's one write: the raw inbound SMS, stored with a single statement.

This runs for every SMS Twilio posts, so it goes straight to the driver: one
`INSERT … ON CONFLICT (provider_sid) DO NOTHING` in autocommit, no ORM and no explicit
transaction. On PostgreSQL it is a statement prepared once per connection and run through
libpq (`psycopg.pq`): one round trip, and none of the driver's per-query Python work
(adapting parameters, the prepared-statement cache, cursors), on a connection of its
own. A replayed MessageSid inserts no row and changes nothing. Everything else happens in
the worker (`inbound.handle_pending`).
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

import sqlalchemy as sa

from bot.models import Message

MAX_BODY = 1600  # Twilio's own limit for one message
E164 = re.compile(r"\+[1-9][0-9]{1,14}")  # ITU-T E.164: "+", country code, <= 15 digits
COLUMNS = ("direction", "status", "provider_sid", "phone", "body", "segments", "attempts",
           "created_at", "updated_at")


@dataclass(frozen=True)
class Inbound:
    sid: str
    phone: str  # E.164, as Twilio sends it
    body: str


def is_e164(phone: str) -> bool:
    return E164.fullmatch(phone) is not None


@cache
def _sql(marks: tuple[str, ...], returning: str = "") -> str:
    """The INSERT with the driver's placeholders (`?` for sqlite3, `$1`… for libpq)."""
    return (f"INSERT INTO {Message.__tablename__} ({', '.join(COLUMNS)}) "
            f"VALUES ({', '.join(marks)}) ON CONFLICT (provider_sid) DO NOTHING{returning}")


def row(sms: Inbound, now: datetime) -> dict:
    """The column values of a stored, not yet handled, inbound SMS. A NUL character (no
    phone sends one; PostgreSQL text cannot hold it) is kept visible as U+FFFD."""
    if not is_e164(sms.phone):
        raise ValueError("an inbound SMS needs an E.164 sender number")
    return {"direction": "in", "status": "received", "provider_sid": sms.sid,
            "phone": sms.phone, "body": sms.body[:MAX_BODY].replace("\0", "\ufffd"),
            "segments": 0, "attempts": 0, "created_at": now, "updated_at": now}


def store(engine: sa.Engine, sms: Inbound, now: datetime) -> bool:
    """Store one inbound SMS as `received`; False for a MessageSid seen before."""
    values = row(sms, now)
    dialect = engine.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return _store_portable(engine, values)
    if dialect == "sqlite":  # stored as SQLAlchemy stores DateTime there: naive UTC text
        stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        values["created_at"] = values["updated_at"] = stamp
    with _writer_turn(engine):
        return _insert(engine, dialect, values)


def _insert(engine: sa.Engine, dialect: str, values: dict) -> bool:
    params = tuple(values[c] for c in COLUMNS)
    if dialect == "postgresql":
        return _insert_autocommit(engine, params)
    raw = engine.raw_connection()
    try:
        cursor = raw.driver_connection.cursor()
        try:
            cursor.execute(_sql(_SQLITE_MARKS, " RETURNING id"), params)
            return cursor.fetchone() is not None
        finally:
            cursor.close()
    finally:
        raw.close()  # back to the pool


def _insert_autocommit(engine: sa.Engine, params: tuple) -> bool:
    """PostgreSQL: the INSERT on this thread's own autocommit connection, one round trip.

    The pool would ping the server before every request; instead a broken connection (the
    server restarted) is replaced and the INSERT tried once more, which is safe because a
    MessageSid is stored at most once.
    """
    connections = _connections(engine)
    for attempt in (1, 2):
        conn = connections.get(engine)
        try:
            return _run_prepared(connections, conn, params)
        except engine.dialect.loaded_dbapi.OperationalError:
            if not conn.closed or attempt == 2:  # the statement failed, not the connection
                raise
            connections.discard(conn)
    raise AssertionError("unreachable")


_STATEMENT = b"knuff_inbox_store"
_GONE = b"26000"  # invalid_sql_statement_name: the session lost it (a pooler, DISCARD ALL)


def _run_prepared(connections: _Connections, conn, params: tuple) -> bool:
    """Run the prepared INSERT (preparing it first on a new connection); True when it
    stored a row. Errors are raised as psycopg's own exceptions."""
    from psycopg import errors, pq

    values = [None if v is None else (v.isoformat() if isinstance(v, datetime) else str(v))
              .encode() for v in params]
    for attempt in (1, 2):
        if not connections.is_prepared():
            prepared = conn.pgconn.prepare(_STATEMENT, _sql(_LIBPQ_MARKS).encode())
            if prepared.status != pq.ExecStatus.COMMAND_OK:
                raise errors.error_from_result(prepared, encoding=conn.info.encoding)
            connections.set_prepared(True)
        result = conn.pgconn.exec_prepared(_STATEMENT, values)
        if result.status == pq.ExecStatus.COMMAND_OK:
            return result.command_tuples == 1
        if attempt == 1 and result.error_field(pq.DiagnosticField.SQLSTATE) == _GONE:
            connections.set_prepared(False)
            continue
        if conn.pgconn.status == pq.ConnStatus.BAD:  # the server went away: reconnect
            raise errors.OperationalError(
                f"connection lost: {result.get_error_message(conn.info.encoding)}")
        raise errors.error_from_result(result, encoding=conn.info.encoding)
    raise AssertionError("unreachable")


_SQLITE_MARKS = ("?",) * len(COLUMNS)
_LIBPQ_MARKS = tuple(f"${i}" for i in range(1, len(COLUMNS) + 1))


class _Connections:
    """One autocommit driver connection per thread, outside the pool, for one engine;
    all closed when the engine is disposed (the app shuts down, a test ends)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.pid = os.getpid()  # a forked child opens its own
        self.local = threading.local()
        self.lock = threading.Lock()
        self.all: set = set()
        sa.event.listen(engine, "engine_disposed", lambda _engine: self.close())

    def get(self, engine: sa.Engine):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            pooled = engine.raw_connection()
            conn = self.local.conn = pooled.driver_connection
            self.local.prepared = False
            pooled.detach()  # ours now: the pool neither pings nor resets it
            conn.autocommit = True  # a single statement is its own transaction
            with self.lock:
                self.all.add(conn)
        return conn

    def is_prepared(self) -> bool:
        """Whether this thread's connection has the INSERT prepared."""
        return getattr(self.local, "prepared", False)

    def set_prepared(self, prepared: bool) -> None:
        self.local.prepared = prepared

    def discard(self, conn) -> None:
        self.local.conn = None
        with self.lock:
            self.all.discard(conn)
        conn.close()

    def close(self) -> None:
        with self.lock:
            conns, self.all = self.all, set()
        for conn in conns:
            conn.close()
        self.local = threading.local()


_BY_ENGINE: weakref.WeakKeyDictionary[sa.Engine, _Connections] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def _connections(engine: sa.Engine) -> _Connections:
    found = _BY_ENGINE.get(engine)
    if found is None or found.pid != os.getpid():
        with _BY_ENGINE_LOCK:
            found = _BY_ENGINE.get(engine)
            if found is None or found.pid != os.getpid():
                found = _BY_ENGINE[engine] = _Connections(engine)
    return found


@contextmanager
def _writer_turn(engine: sa.Engine) -> Iterator[None]:
    """On SQLite, web processes queue for the write lock on a file lock: the kernel wakes
    the next one at once, where SQLite's own busy handler would sleep a millisecond or
    more per retry."""
    path = engine.url.database if engine.dialect.name == "sqlite" else None
    if not path or path == ":memory:":
        yield
        return
    lock = _lock_file(path, os.getpid())
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)


@cache
def _lock_file(path: str, pid: int) -> int:
    # A descriptor kept for the life of the process, opened per process (keyed by pid):
    # flock locks belong to the open file, which a forked child would share.
    return os.open(f"{path}.writer-lock", os.O_CREAT | os.O_RDWR, 0o600)


def _store_portable(engine: sa.Engine, values: dict) -> bool:
    table = Message.__table__
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(table), values)
    except sa.exc.IntegrityError:
        return False
    return True
