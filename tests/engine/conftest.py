"""Fixtures for engine tests: a fixed clock, the params every flow gets, the tiny flow."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.flows.conftest import TINY

NOW = datetime(2025, 3, 10, 14, 0, tzinfo=UTC)
PARAMS = {"name": "Amina", "case_manager": "Lena"}


@pytest.fixture
def tiny() -> dict[str, Any]:
    """A fresh copy of a minimal valid flow as plain data (the flow tests' TINY)."""
    return copy.deepcopy(TINY)
