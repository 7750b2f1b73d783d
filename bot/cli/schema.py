"""A guard for commands that need the database at the newest schema."""

from __future__ import annotations

import functools

import click

from bot import db, migrate


def needs_schema(command):
    """Stop with a clear message (not a traceback) when `db upgrade` has not been run."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        try:
            migrate.check_current(db.session().connection())
        except RuntimeError as exc:
            raise click.ClickException(str(exc)) from None
        return command(*args, **kwargs)

    return wrapped
