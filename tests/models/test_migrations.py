"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import migrate
from bot.db import make_engine
from bot.models import Base


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_migrations_match_the_models_and_go_down_again(database_url):
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        migrate.downgrade(database_url, "base")
        with engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(database_url)
    finally:
        engine.dispose()


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_db_upgrade_command_reports_the_database_without_password(database_url, tmp_path):
    from tests.conftest import make_app

    app = make_app(database_url)
    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "is at head" in result.output
    finally:
        app.extensions["knuff.engine"].dispose()
