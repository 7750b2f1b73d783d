"""Fixtures for flow tests: a small valid flow to break in one place at a time."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flows.loader import FlowError, load_flow

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


def problems_of(tmp_path: Path, data: dict) -> list[str]:
    """Write `data` as a flow file and return every problem loading it reports."""
    path = tmp_path / "flows" / "tiny.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    return [str(p) for p in caught.value.problems]
