"""Fixtures for engine tests: a small valid flow to break in one place at a time."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

NOW = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
PARAMS = {"name": "Amina", "case_manager": "Lena"}

TINY: dict[str, Any] = {
    "id": "tiny",
    "version": 1,
    "title": "Liten",
    "start": "q",
    "reask": "Svara med en siffra.",
    "steps": [
        {
            "id": "q", "kind": "ask", "text": "Hej {name}! Kommer du?", "save_as": "coming",
            "timeout": "4h", "on_timeout": "bye",
            "choices": [
                {"key": 1, "value": "yes", "label": "Ja", "words": ["ja", "yes"], "next": "bye"},
                {"key": 2, "value": "talk", "label": "Prata med {case_manager}", "next": "bye"},
            ],
        },
        {"id": "bye", "kind": "end", "text": "Tack!"},
    ],
}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh copy of a minimal valid flow as plain data."""
    return copy.deepcopy(TINY)
