"""The printed table and `bench/results/latest.json`.

One row per measurement: Knuff's absolute figure, the baseline's, the ratio (the median of
the paired rounds, with their spread), the target and PASS/FAIL. The issue's targets are
the webhook rows, the dispatch rows with the worker's default number of send threads (as
shipped) and the memory row; the sequential dispatch rows (one send thread against one
posting thread) are a stricter comparison held to the same ratio and reported apart,
never folded into "all targets met". A failed row is printed loudly, but the exit code
stays 0: the benchmark is a report, not a gate.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import RESULTS
from bot.config import DEFAULT_SEND_THREADS

WEBHOOK_TARGET = 0.35
DISPATCH_TARGET = 0.5


def _row(cells: list[str], widths: list[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))


def rows(results: dict[str, Any]) -> list[dict[str, str]]:
    """Flatten the results into table rows (with a verdict each)."""
    out = []
    for hook in results.get("webhook", []):
        k, b = hook["knuff"], hook["bare"]
        out.append({
            "what": f"webhook replies ({hook['database']})",
            "knuff": f"{k['rps']:.0f} req/s, {_ms_per_worker(k['rps'], hook):.2f} ms/req/worker,"
                     f" p50 {k['latency_p50_us'] / 1e3:.1f} ms",
            "baseline": f"{b['rps']:.0f} req/s bare Flask, p50 {b['latency_p50_us'] / 1e3:.1f} ms",
            "ratio": _ratio(hook), "target": f">= {WEBHOOK_TARGET}",
            "verdict": _verdict(hook["ratio"] >= WEBHOOK_TARGET, hook["problems"]),
        })
    for run in results.get("dispatch", []):
        k, b = run["knuff"], run["baseline"]
        shipped = run.get("threads", 1) == DEFAULT_SEND_THREADS
        out.append({
            "what": f"dispatch {run['nudges']} nudges ({run['database']}), "
                    f"{run.get('threads', 1)} send thread(s)",
            "knuff": f"{k['rate']:.0f} nudges/s, {1e3 / k['rate']:.2f} ms/nudge",
            "baseline": f"{b['rate']:.0f} posts/s, {1e3 / b['rate']:.2f} ms/post (requests)",
            "ratio": _ratio(run),
            "target": f">= {DISPATCH_TARGET}" + ("" if shipped else " (stricter)"),
            "verdict": _verdict(run["ratio"] >= DISPATCH_TARGET, run["problems"]),
            "kind": "target" if shipped else "stricter",
        })
    memory = results.get("memory")
    if memory:
        k = memory["knuff"]
        growth = memory.get("rss_growth_mb", float("nan"))
        samples = ", ".join(f"{s['progress']:.0%} {s['rss_mb']:.0f}" for s in k["samples"])
        out.append({
            "what": f"memory, {memory['nudges']} nudges ({memory['database']})",
            "knuff": f"peak RSS {k['peak_rss_mb']:.0f} MB; RSS MB at {samples};"
                     f" {k['rate']:.0f} nudges/s",
            "baseline": "-", "ratio": f"+{growth:.1f} MB", "target": "< +20 MB (10%->100%)",
            "verdict": _verdict(bool(memory.get("flat")), memory["problems"]),
        })
    return out


def _ratio(run: dict[str, Any]) -> str:
    """The median paired ratio, with the spread of the rounds when there were several."""
    text = f"{run['ratio']:.3f}"
    if len(run.get("round_ratios", [])) > 1:
        text += f" ({run['low']:.2f}-{run['high']:.2f})"
    return text


def _ms_per_worker(rps: float, hook: dict[str, Any]) -> float:
    """Wall time one gunicorn worker spends per request (workers / throughput)."""
    return 1e3 / rps * hook["load"]["gunicorn_workers"]


def _verdict(passed: bool, problems: list[str]) -> str:
    if problems:
        return "INVALID"
    return "PASS" if passed else "FAIL"


def print_table(results: dict[str, Any]) -> None:
    """The summary table, any validity problems, the memory verdict and loud FAILs."""
    table = rows(results)
    header = {"what": "benchmark", "knuff": "knuff", "baseline": "baseline", "ratio": "ratio",
              "target": "target", "verdict": "verdict"}
    keys = list(header)
    widths = [max(len(r[key]) for r in [header, *table]) for key in keys]
    print()
    print(_row([header[key] for key in keys], widths))
    print(_row(["-" * w for w in widths], widths))
    for r in table:
        print(_row([r[key] for key in keys], widths))
    print()
    for section in ("webhook", "dispatch"):
        for run in results.get(section, []):
            for problem in run["problems"]:
                print(f"!! {section} ({run['database']}): {problem}")
    memory = results.get("memory")
    if memory:
        verdict = "FLAT" if memory.get("flat") else "NOT FLAT"
        print(f"memory verdict: {verdict} — RSS grew {memory.get('rss_growth_mb', 0):.1f} MB "
              f"between 10% and 100% of {memory['nudges']} nudges "
              f"(peak {memory['knuff']['peak_rss_mb']:.0f} MB)")
    failed = [r["what"] for r in table if r["verdict"] != "PASS" and _is_target(r)]
    if failed:
        print()
        print("#" * 72)
        for what in failed:
            print(f"###  FAIL: {what}")
        print("#" * 72)
    else:
        print("all targets met")
    for r in table:
        if r["verdict"] != "PASS" and not _is_target(r):
            print(f"below the ratio in the stricter comparison: {r['what']} ({r['ratio']})")


def _is_target(row: dict[str, str]) -> bool:
    return row.get("kind", "target") == "target"


def write_json(results: dict[str, Any], path: Path | None = None) -> Path:
    """Write everything measured (plus machine facts) to bench/results/latest.json."""
    path = path or RESULTS / "latest.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpus": _cpus()},
        "summary": rows(results),
        **results,
    }
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    return path


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
