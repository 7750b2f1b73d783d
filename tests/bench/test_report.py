"""`make bench`'s verdicts: which rows are the issue's targets and what is printed."""

from __future__ import annotations

from bench import report
from bot.config import DEFAULT_SEND_THREADS


def webhook(ratio: float, problems: list[str] | None = None) -> dict:
    return {"database": "postgresql", "ratio": ratio, "problems": problems or [],
            "knuff": {"rps": 700.0 * ratio / 0.35, "latency_p50_us": 9000},
            "bare": {"rps": 2000.0, "latency_p50_us": 3000},
            "load": {"gunicorn_workers": 4}}


def dispatch(ratio: float, threads: int) -> dict:
    return {"database": "postgresql", "nudges": 5000, "threads": threads, "ratio": ratio,
            "problems": [], "knuff": {"rate": 500.0 * ratio}, "baseline": {"rate": 500.0}}


def memory(flat: bool) -> dict:
    return {"database": "sqlite", "nudges": 100_000, "flat": flat, "problems": [],
            "rss_growth_mb": 0.2 if flat else 45.0,
            "knuff": {"peak_rss_mb": 111.0, "rate": 300.0,
                      "samples": [{"progress": 0.1, "rss_mb": 111.0}]}}


def printed(capsys, results: dict) -> str:
    report.print_table(results)
    return capsys.readouterr().out


def test_a_slow_sequential_dispatch_is_reported_but_is_not_one_of_the_targets(capsys):
    out = printed(capsys, {"webhook": [webhook(0.36)],
                           "dispatch": [dispatch(0.42, 1), dispatch(0.55, DEFAULT_SEND_THREADS)],
                           "memory": memory(True)})
    assert "all targets met" in out
    assert "below the ratio in the stricter comparison: dispatch 5000 nudges (postgresql), " \
           "1 send thread(s) (0.420)" in out
    rows = {r["what"]: r for r in report.rows({"dispatch": [dispatch(0.42, 1)]})}
    assert rows["dispatch 5000 nudges (postgresql), 1 send thread(s)"]["verdict"] == "FAIL"
    assert rows["dispatch 5000 nudges (postgresql), 1 send thread(s)"]["target"] == \
        ">= 0.5 (stricter)"


def test_a_missed_target_is_printed_loudly(capsys):
    out = printed(capsys, {"webhook": [webhook(0.34)],
                           "dispatch": [dispatch(0.49, DEFAULT_SEND_THREADS)],
                           "memory": memory(False)})
    assert "all targets met" not in out
    assert "###  FAIL: webhook replies (postgresql)" in out
    assert f"###  FAIL: dispatch 5000 nudges (postgresql), {DEFAULT_SEND_THREADS} send " \
           "thread(s)" in out
    assert "###  FAIL: memory, 100000 nudges (sqlite)" in out
    assert "memory verdict: NOT FLAT" in out


def test_a_run_with_problems_is_invalid_whatever_its_ratio(capsys):
    out = printed(capsys, {"webhook": [webhook(0.9, ["errors: knuff 3, bare 0"])]})
    assert "INVALID" in out
    assert "!! webhook (postgresql): errors: knuff 3, bare 0" in out
    assert "###  FAIL: webhook replies (postgresql)" in out
