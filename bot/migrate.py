"""Run Alembic migrations from Python, for `flask --app bot db upgrade` and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config that needs no alembic.ini on disk."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Step the database at `url` back to `revision`."""
    command.downgrade(alembic_config(url), revision)


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def check_current(conn: Connection) -> None:
    """Refuse to work on a database whose schema is older than the code: say what to run."""
    current, head = current_revision(conn), head_revision()
    if current != head:
        url = conn.engine.url.render_as_string(hide_password=True)
        raise RuntimeError(f"the database at {url} is at {current or 'no revision'}, the code "
                           f"needs {head}: run `flask --app bot db upgrade`")
