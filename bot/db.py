"""Database engine and sessions, wired into the app by `init_app` (nothing at import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g


def make_engine(url: str) -> sa.Engine:
    """Create an engine; SQLite gets WAL and a busy timeout so web and worker can share it."""
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "checkin", _sqlite_driver_autocommit)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin (savepoints need it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_driver_autocommit(dbapi_connection, _record) -> None:
    # A connection used with isolation_level="AUTOCOMMIT" comes back reset to the driver's
    # implicit-BEGIN mode; keep the mode set on connect, which the webhook's single
    # INSERT (`inbox.store`) relies on.
    if dbapi_connection is not None:
        dbapi_connection.isolation_level = None


def _sqlite_begin(conn: sa.Connection) -> None:
    # IMMEDIATE takes the write lock up front: a read-then-write transaction can then wait
    # for another writer (busy_timeout) instead of failing with SQLITE_BUSY half-way.
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # each statement commits on its own (a test's reading session)
    conn.connection.driver_connection.execute("BEGIN IMMEDIATE")  # straight to the driver


def init_app(app: Flask) -> None:
    """Attach an engine and a session factory; close the request's session on teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["knuff.engine"] = engine
    app.extensions["knuff.sessionmaker"] = so.sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(close_session)


def engine() -> sa.Engine:
    """The current app's engine."""
    return current_app.extensions["knuff.engine"]


def session() -> so.Session:
    """The session of the current app context, created on first use."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["knuff.sessionmaker"]()
    return g.db_session


@contextmanager
def new_session() -> Iterator[so.Session]:
    """A fresh session outside the request's one (worker loops, CLI)."""
    with current_app.extensions["knuff.sessionmaker"]() as s:
        yield s


def close_session(_exc: BaseException | None) -> None:
    """Close the app context's session, if one was made (teardown)."""
    s = g.pop("db_session", None)
    if s is not None:
        s.close()
