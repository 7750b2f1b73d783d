"""Webhook benchmark: inbound replies/s through gunicorn + POST /twilio/sms vs bare Flask.

Both servers run the Procfile's `web` command (production's gunicorn settings: workers,
access log; only the app differs) and take the same `wrk` load (threads, connections,
duration) from the same file of pre-signed requests, in alternating rounds; the ratio is
the median of the paired rounds' ratios (`common.paired_ratio`). wrk (Debian
package) is the load generator because it is C and event-driven: one thread drives
thousands of requests per second for a few percent of a core, so on a small machine the
generator is not what is measured, and it is exactly the same for both sides. Signatures
are computed beforehand; a Lua script replays them. Every request is a real reply: a
unique MessageSid from a client whose question went out through the worker; Knuff checks
the signature and stores the SMS for the worker. Afterwards the database is checked: one
inbound message per answered request and no reply that missed its conversation.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bench.common import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    PUBLIC_BASE_URL,
    ROOT,
    Child,
    Database,
    free_port,
    knuff_env,
    paired_ratio,
    python,
    wait_http,
)
from bench.seed import ready_for_replies

LUA = Path(__file__).resolve().parent / "sms.lua"
KNUFF_APP = "bot:create_app()"  # the app the Procfile serves
# What clients answer: first the question (a digit), then the follow-up.
FIRST = {"motivation": ["3", "4", "2", "5"], "activity_checkin": ["2", "3"]}
SECOND = {"motivation": ["Promenader och att prata med min syster.", "Inget särskilt"],
          "activity_checkin": ["1", "sjuk"]}


@dataclass(frozen=True)
class Load:
    """The load both sides get: gunicorn workers (None: as the Procfile says) and wrk
    threads/connections/seconds."""

    workers: int | None = None
    threads: int = 1
    connections: int = 8
    seconds: int = 16  # per side, split into `rounds` alternating rounds
    warmup: int = 2
    rounds: int = 8

    @property
    def round_seconds(self) -> int:
        return max(1, round(self.seconds / self.rounds))


def wrk_missing() -> str | None:
    """None when wrk is installed; otherwise what to run to install it."""
    if shutil.which("wrk"):
        return None
    return "wrk is not installed: run `apt-get install -y wrk` (Debian) and `make bench` again"


def write_requests(path: Path, people: list[tuple[str, str]], tag: str) -> int:
    """Sign two replies per client (all first answers, then all follow-ups) into `path`."""
    validator = RequestValidator(AUTH_TOKEN)
    url = f"{PUBLIC_BASE_URL}/twilio/sms"
    lines = []
    for round_, answers in enumerate((FIRST, SECOND)):
        for i, (number, flow) in enumerate(people):
            choices = answers[flow]
            form = {"MessageSid": f"SMbench{tag}{round_}{i:08d}".ljust(34, "0"),
                    "AccountSid": ACCOUNT_SID, "From": number, "To": FROM_NUMBER,
                    "Body": choices[i % len(choices)], "NumMedia": "0", "NumSegments": "1",
                    "SmsStatus": "received", "ApiVersion": "2010-04-01"}
            lines.append(f"{validator.compute_signature(url, form)}\t{urlencode(form)}")
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


def procfile_web(app_spec: str, port: int, workers: int | None = None) -> list[str]:
    """The Procfile's `web` command, as production runs it, serving `app_spec` on `port`.

    Both sides of the benchmark start from this line, so they run the server settings
    production runs (workers, access log); only the app differs, and the server listens
    on 127.0.0.1 only. `${NAME:-default}` takes the default unless `workers` says
    otherwise (WEB_CONCURRENCY).
    """
    line = next(x for x in (ROOT / "Procfile").read_text().splitlines()
                if x.startswith("web:"))
    given = {"PORT": str(port), "WEB_CONCURRENCY": str(workers) if workers else None}
    line = re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: given.get(m[1]) or m[2],
                  line.removeprefix("web:"))
    args = shlex.split(line)
    if args[0] != "gunicorn" or KNUFF_APP not in args or "--bind" not in args:
        raise RuntimeError(f"unexpected Procfile web command: {line.strip()}")
    args[args.index("--bind") + 1] = f"127.0.0.1:{port}"
    return [python(), "-m", "gunicorn",
            *(app_spec if arg == KNUFF_APP else arg for arg in args[1:])]


def gunicorn_workers(args: list[str]) -> int:
    """The worker count a gunicorn command line asks for."""
    return int(args[args.index("--workers") + 1])


def gunicorn(app_spec: str, env: dict[str, str], load: Load, log: Path) -> tuple[Child, str]:
    """Start gunicorn as the Procfile does on a free port; wait for it."""
    port = free_port()
    child = Child(procfile_web(app_spec, port, load.workers), env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    wait_http(f"{base}/healthz", child)
    return child, base


def run_wrk(base: str, requests_file: Path, load: Load, seconds: int, skip: int = 0
            ) -> dict[str, Any]:
    """One wrk run; returns its counters (requests, errors, wrapped, latency) and rate."""
    args = ["wrk", "-t", str(load.threads), "-c", str(load.connections),
            "-d", f"{seconds}s", "--timeout", "10s", "-s", str(LUA),
            f"{base}/twilio/sms", "--", str(requests_file), str(load.threads), str(skip)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    result = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors",
                                               "timeouts", "non_2xx"))
    return result


def _inbound_counts(database_url: str) -> dict[str, int]:
    """What the webhook left in the database: inbound rows, queued answers, lost replies."""
    from bot.db import make_engine

    engine = make_engine(database_url)
    with engine.connect() as conn:
        counts = {
            "inbound": conn.scalar(sa.text(
                "SELECT count(*) FROM messages WHERE direction = 'in' "
                "AND provider_sid LIKE 'SMbench%'")),
            "queued_replies": conn.scalar(sa.text(
                "SELECT count(*) FROM messages WHERE direction = 'out' AND status = 'queued'")),
            "unprompted": conn.scalar(sa.text(
                "SELECT count(*) FROM alerts WHERE reason = 'message'")),
        }
    engine.dispose()
    return counts


def run(db: Database, work: Path, load: Load) -> dict[str, Any]:
    """Measure Knuff and bare Flask on `db` in alternating rounds; figures, ratio, checks.

    Both servers run side by side (the idle one costs nothing) and wrk alternates between
    them, so a neighbour's burst of CPU on a shared machine hits both sides alike.
    """
    t0 = time.perf_counter()
    server = procfile_web(KNUFF_APP, 0, load.workers)[3:]  # as it runs (port aside)
    workers = gunicorn_workers(server)
    warm_people = ready_for_replies(db.url, max(100, workers * 100))
    warm_file = work / f"warm-{db.label}.txt"
    write_requests(warm_file, warm_people, "w")
    env = knuff_env(db.url)
    knuff, base = gunicorn(KNUFF_APP, env, load, work / f"knuff-{db.label}.log")
    try:
        bare, bare_base = gunicorn("bench.bare_app:app", env, load, work / f"bare-{db.label}.log")
        try:
            warm = run_wrk(base, warm_file, load, load.warmup)
            run_wrk(bare_base, warm_file, load, load.warmup)
            # Size the pool from the warm-up rate with room to spare: no MessageSid twice.
            clients = max(500, math.ceil(warm["rps"] * 2.5 * load.seconds / 2))
            people = ready_for_replies(db.url, clients, start=len(warm_people))
            main_file = work / f"main-{db.label}.txt"
            signed = write_requests(main_file, people, "m")
            seeded = time.perf_counter() - t0
            before = _inbound_counts(db.url)
            knuff_rounds, bare_rounds = [], []
            for _ in range(load.rounds):
                used = _inbound_counts(db.url)["inbound"] - before["inbound"]
                # Skip what earlier rounds used, plus what may have been in flight.
                skip = used + load.connections if knuff_rounds else 0
                knuff_rounds.append(run_wrk(base, main_file, load, load.round_seconds, skip))
                bare_rounds.append(run_wrk(bare_base, main_file, load, load.round_seconds))
        finally:
            bare.stop()
    finally:
        knuff.stop()
    after = _inbound_counts(db.url)
    measured, baseline = _total(knuff_rounds), _total(bare_rounds)
    inbound = after["inbound"] - before["inbound"]
    problems = []
    if measured["wrapped"]:
        problems.append(f"request pool of {signed} ran out: MessageSids were re-sent")
    if measured["errors"] or baseline["errors"]:
        problems.append(f"errors: knuff {measured['errors']}, bare {baseline['errors']}"
                        f" (see the gunicorn logs)")
    # wrk stops counting at each deadline while the last requests may still be answered.
    slack = load.rounds * load.connections
    if not measured["requests"] <= inbound <= measured["requests"] + slack:
        problems.append(f"{inbound} inbound messages stored for {measured['requests']} answers")
    if after["unprompted"] - before["unprompted"]:
        problems.append(f"{after['unprompted'] - before['unprompted']} replies found no "
                        "conversation")
    return {
        "database": db.label, "knuff": measured, "bare": baseline,
        **paired_ratio([r["rps"] for r in knuff_rounds], [r["rps"] for r in bare_rounds]),
        "aggregate_ratio": measured["rps"] / baseline["rps"],
        "clients": clients, "requests_signed": signed, "inbound_stored": inbound,
        "replies_queued": after["queued_replies"] - before["queued_replies"],
        "seed_seconds": seeded, "problems": problems,
        "load": {"gunicorn": shlex.join(server), "gunicorn_workers": workers,
                 "wrk_threads": load.threads, "connections": load.connections,
                 "rounds": load.rounds, "seconds_per_round": load.round_seconds},
    }


def _total(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum the rounds of one side: requests over total time; worst latency figures."""
    total = {key: sum(r[key] for r in rounds) for key in
             ("requests", "duration_us", "errors", "wrapped", "non_2xx")}
    total["rps"] = total["requests"] / (total["duration_us"] / 1e6)
    total["latency_p50_us"] = sorted(r["latency_p50_us"] for r in rounds)[len(rounds) // 2]
    total["latency_p99_us"] = max(r["latency_p99_us"] for r in rounds)
    total["rounds"] = [{k: r[k] for k in ("requests", "rps", "latency_p50_us")} for r in rounds]
    return total
