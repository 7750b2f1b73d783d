"""Rows a batch of fires adds, collected and inserted with one executemany per table.

The unit of work builds an object for every new row, inserts them with RETURNING to learn
their ids and keeps each in the session. A batch of starts adds a message and a fire or two
per nudge that nothing in the batch reads back, so inside `collected_inserts` they are kept
as plain rows and written at its end, in the order they were added.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm as so

_ROWS = "knuff.collected_rows"
Model = TypeVar("Model")


@contextmanager
def collected_inserts(db: so.Session) -> Iterator[None]:
    """Collect what `add` is given in this block; insert it when the block ends."""
    rows: dict[type, list[dict[str, Any]]] = {}
    db.info[_ROWS] = rows
    try:
        yield
        for model, values in rows.items():
            db.execute(sa.insert(model.__table__), values)  # Core executemany
    finally:
        db.info.pop(_ROWS, None)


def add(db: so.Session, model: type[Model], values: dict[str, Any]) -> Model | None:
    """A new `model` row: added to the session as an object (returned), or inside
    `collected_inserts` kept as a row for the batch's insert (None)."""
    rows = db.info.get(_ROWS)
    if rows is None:
        obj = model(**values)
        db.add(obj)
        return obj
    rows.setdefault(model, []).append(values)
    return None
