"""The benchmark's ratio: the median of paired alternating rounds."""

from __future__ import annotations

import pytest

from bench import report
from bench.common import paired_ratio


def test_the_ratio_is_the_median_of_each_round_against_the_baseline_round_after_it():
    # Round 3 ran while a neighbour slowed the machine: both sides slowed, the pair holds.
    knuff = [400.0, 410.0, 200.0, 395.0, 90.0]
    base = [1000.0, 1000.0, 500.0, 1000.0, 1000.0]  # ...except the last Knuff round alone
    paired = paired_ratio(knuff, base)
    assert paired["round_ratios"] == pytest.approx([0.4, 0.41, 0.4, 0.395, 0.09])
    assert paired["ratio"] == pytest.approx(0.4)
    assert (paired["low"], paired["high"]) == (pytest.approx(0.09), pytest.approx(0.41))


def test_rounds_must_pair_up():
    with pytest.raises(ValueError, match="one baseline round per measured round"):
        paired_ratio([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        paired_ratio([], [])


def test_the_table_shows_the_spread_of_the_rounds():
    run = {"database": "sqlite", "nudges": 5000, "threads": 4, "problems": [],
           "knuff": {"rate": 300.0}, "baseline": {"rate": 500.0},
           **paired_ratio([300.0, 280.0, 330.0], [500.0, 520.0, 510.0])}
    (row,) = report.rows({"dispatch": [run]})
    assert row["ratio"] == "0.600 (0.54-0.65)"
    assert row["verdict"] == "PASS"
