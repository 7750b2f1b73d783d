"""`python -m bench` (`make bench`): measure webhook, dispatch and memory in one run.

Runs on SQLite (the embedded default) and, when BENCH_POSTGRES_URL or TEST_POSTGRES_URL
is set, on a private PostgreSQL schema too. Prints a table of absolute figures and ratios
against same-run baselines, writes bench/results/latest.json, and exits 0 even when a
target fails (FAIL is printed loudly instead). `--quick` is a smoke run of a minute or so.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from typing import Any

from bench import dispatch, report, webhook
from bench.common import postgres_base_url, postgres_database, sqlite_database, workdir


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 nudges, 3 s of webhook load")
    parser.add_argument("--nudges", type=int, help="nudges for the memory run (default 100000)")
    parser.add_argument("--rate-nudges", type=int,
                        help="nudges for the dispatch ratio (default 5000, at most --nudges)")
    parser.add_argument("--seconds", type=int, help="webhook load per side (default 16)")
    parser.add_argument("--workers", type=int,
                        help="gunicorn workers, both sides (default: the Procfile's)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--only", action="append", choices=["webhook", "dispatch", "memory"],
                        help="run only these parts (repeatable)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--profile", action="store_true",
                        help="also cProfile one webhook request and one nudge (in-process)")
    args = parser.parse_args(argv)
    args.nudges = args.nudges or (2000 if args.quick else 100_000)
    args.rate_nudges = min(args.rate_nudges or (2000 if args.quick else 5000), args.nudges)
    args.seconds = args.seconds or (3 if args.quick else 16)
    args.only = set(args.only or ["webhook", "dispatch", "memory"])
    return args


def say(text: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    logging.basicConfig(level=logging.WARNING)  # Knuff's INFO lines would drown the table
    results: dict[str, Any] = {"settings": {k: (sorted(v) if isinstance(v, set) else v)
                                            for k, v in vars(args).items()}}
    load = webhook.Load(workers=args.workers, threads=args.threads,
                        connections=args.connections, seconds=args.seconds,
                        warmup=1 if args.quick else 2, rounds=3 if args.quick else 8)
    pg = None if args.no_postgres else postgres_base_url()
    say(f"databases: sqlite{' + postgresql' if pg else ''}; cpus: {os.cpu_count()}")
    with workdir() as work:
        labels = ["sqlite", "postgresql"] if pg else ["sqlite"]
        for label in labels:
            with contextlib.ExitStack() as stack:
                db = stack.enter_context(
                    sqlite_database(work) if label == "sqlite" else postgres_database(pg or ""))
                _webhook(args, load, db, work, results)
            for threads in SEND_THREADS:  # a fresh database for each comparison
                with contextlib.ExitStack() as stack:
                    db = stack.enter_context(sqlite_database(work) if label == "sqlite"
                                             else postgres_database(pg or ""))
                    _dispatch(args, db, work, results, threads)
        if "memory" in args.only:
            with sqlite_database(work) as db:
                say(f"memory: dispatching {args.nudges} nudges on sqlite in one worker process"
                    + ("" if args.quick else " (this takes a while)"))
                results["memory"] = dispatch.run(db, work, args.nudges, with_baseline=False)
        if args.profile:
            from bench import profiling

            say("profiling the webhook request and the per-nudge dispatch (cProfile)")
            results["profile"] = profiling.run(work, args.quick)
    report.print_table(results)
    if args.profile:
        for name, prof in results["profile"].items():
            print(f"\n=== profile: {name} "
                  f"{ {k: round(v, 2) for k, v in prof.items() if not isinstance(v, str)} }")
            print(prof["cumulative"])
            print(prof["tottime"])
    print(f"results written to {report.write_json(results)}")
    return 0


def _webhook(args: argparse.Namespace, load: webhook.Load, db, work, results) -> None:
    if "webhook" not in args.only:
        return
    missing = webhook.wrk_missing()
    if missing:
        say(f"webhook: SKIPPED — {missing}")
        results.setdefault("skipped", []).append(f"webhook: {missing}")
        return
    say(f"webhook ({db.label}): {load.rounds} x {load.round_seconds} s of wrk per side, "
        f"{load.connections} connections, gunicorn as in the Procfile"
        + (f" with {load.workers} workers" if load.workers else ""))
    run = webhook.run(db, work, load)
    say(f"  knuff {run['knuff']['rps']:.0f} req/s, bare {run['bare']['rps']:.0f} req/s, "
        f"ratio {run['ratio']:.3f} (rounds {run['low']:.3f}-{run['high']:.3f})")
    results.setdefault("webhook", []).append(run)


# Sequential (the strictest comparison: Knuff's own work cannot hide behind concurrency)
# and the worker's default of 4 concurrent requests against 4 concurrent posting threads.
SEND_THREADS = (1, 4)


def _dispatch(args: argparse.Namespace, db, work, results, threads: int) -> None:
    if "dispatch" not in args.only:
        return
    say(f"dispatch ({db.label}): {args.rate_nudges} nudges, worker vs plain requests, "
        f"{threads} send thread(s) on both sides")
    run = dispatch.run(db, work, args.rate_nudges, rounds=3 if args.quick else 6,
                       threads=threads)
    say(f"  knuff {run['knuff']['rate']:.0f} nudges/s, baseline "
        f"{run['baseline']['rate']:.0f} posts/s, ratio {run['ratio']:.3f} "
        f"(rounds {run['low']:.3f}-{run['high']:.3f})")
    results.setdefault("dispatch", []).append(run)


if __name__ == "__main__":
    sys.exit(main())
