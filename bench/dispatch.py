"""Dispatch benchmark: due nudges/s through `bot.worker.drain` vs plain requests, same fake.

The fake Twilio runs as its own process (`python -m bot.devtools.fake_twilio`, bodies not
recorded) so its CPU never shares the measured process's GIL. Knuff's side is a fresh
worker process (`bench.sendproc knuff`) running the real path: claim due fires, start the
conversation, queue and render the question, claim the outbox, send with the Twilio SDK,
store the provider id. The baseline (`bench.sendproc baseline`) posts the same form to the
same fake with keep-alive `requests.Session`s, from as many threads as the worker has
send threads (`threads`: the shipped default and 1, the stricter comparison).

The ratio is the median over alternating rounds (seed a slice, worker, baseline, repeat) of
each worker round against the baseline round right after it (`common.paired_ratio`).
The same machinery, run once with 100,000 nudges, is the flat-memory check: the worker
samples its RSS at 10 %, 50 % and 100 % of the sends.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    ROOT,
    Child,
    Database,
    knuff_env,
    paired_ratio,
    python,
)
from bench.seed import seed_nudges

FLAT_MB = 20.0  # "flat": RSS grows less than this between the 10 % and 100 % samples


class FakeTwilioProcess:
    """`python -m bot.devtools.fake_twilio` on a free port, counting messages only."""

    def __init__(self, log: Path) -> None:
        self.child = Child([python(), "-m", "bot.devtools.fake_twilio", "--port", "0",
                            "--quiet", "--no-record-bodies", "--account-sid", ACCOUNT_SID,
                            "--auth-token", AUTH_TOKEN], env=knuff_env("sqlite://"), log=log,
                           stdout=subprocess.PIPE)
        assert self.child.proc.stdout is not None
        line = self.child.proc.stdout.readline().decode()
        if "listening on" not in line:
            self.child.stop()
            raise RuntimeError(f"fake twilio did not start: {line!r}\n{self.child.log_tail()}")
        self.url = line.rsplit(" ", 1)[-1].strip()

    def stop(self) -> None:
        self.child.stop()

    def __enter__(self) -> FakeTwilioProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _measured(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run one `bench.sendproc` process to the end; its JSON line, or its log on failure."""
    with open(log, "ab") as err:
        done = subprocess.run([python(), "-m", "bench.sendproc", *args], env=env, cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=err, check=False)
    line = next((x for x in done.stdout.decode().splitlines() if x.startswith("BENCH_JSON ")),
                None)
    if done.returncode or line is None:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"bench.sendproc {args[0]} failed ({done.returncode}):\n{tail}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def _engine(database_url: str) -> sa.Engine:
    """An engine on a migrated database, for seeding and the final outbox check."""
    from bot import migrate
    from bot.db import make_engine

    migrate.upgrade(database_url)
    return make_engine(database_url)


def _outbox(engine: sa.Engine) -> dict[str, int]:
    """Outbound messages by status: every nudge must end up accepted by the fake."""
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT status, count(*) FROM messages WHERE direction = 'out' GROUP BY status"))
        return {status: count for status, count in rows}


def run(db: Database, work: Path, nudges: int, *, rounds: int = 1,
        with_baseline: bool = True, threads: int = 1) -> dict[str, Any]:
    """Dispatch `nudges` due nudges on `db` in `rounds` slices, each followed by a baseline
    round of as many posts (alternating, so a busy neighbour slows both sides alike)."""
    engine = _engine(db.url)
    log = work / f"dispatch-{db.label}-{nudges}.log"
    size = -(-nudges // rounds)
    knuff_rounds: list[dict[str, Any]] = []
    base_rounds: list[dict[str, Any]] = []
    seeding = 0.0
    try:
        with FakeTwilioProcess(work / "fake-twilio.log") as fake:
            env = knuff_env(db.url, TWILIO_API_BASE_URL=fake.url,
                            KNUFF_SEND_THREADS=str(threads))
            for start in range(0, nudges, size):
                count = min(size, nudges - start)
                began = time.perf_counter()
                seed_nudges(engine, count, start=start)
                seeding += time.perf_counter() - began
                knuff_rounds.append(_measured(["knuff", "--count", str(count)], env, log))
                if with_baseline:
                    base_rounds.append(_measured(["baseline", "--count", str(count)], env, log))
        outbox = _outbox(engine)
    finally:
        engine.dispose()
    knuff = _total(knuff_rounds)
    baseline = _total(base_rounds) if base_rounds else None
    problems = []
    if knuff["sent"] != nudges or knuff["provider_calls"] != nudges:
        problems.append(f"worker sent {knuff['sent']} of {nudges} nudges "
                        f"({knuff['provider_calls']} provider calls)")
    if outbox.get("accepted", 0) != nudges or len(outbox) != 1:
        problems.append(f"outbox afterwards: {outbox}, expected {nudges} accepted")
    if baseline and baseline["sent"] != nudges:
        problems.append(f"baseline got {baseline['sent']} of {nudges} accepted")
    result: dict[str, Any] = {"database": db.label, "nudges": nudges, "rounds": rounds,
                              "threads": threads,
                              "seed_seconds": seeding, "knuff": knuff, "baseline": baseline,
                              "outbox": outbox, "problems": problems}
    if baseline:
        result.update(paired_ratio([r["rate"] for r in knuff_rounds],
                                   [r["rate"] for r in base_rounds]))
        result["aggregate_ratio"] = knuff["rate"] / baseline["rate"]
    samples = {s["progress"]: s for s in knuff_rounds[-1].get("samples", [])}
    if rounds == 1 and 0.1 in samples and 1.0 in samples:
        result["rss_growth_mb"] = samples[1.0]["rss_mb"] - samples[0.1]["rss_mb"]
        result["flat"] = result["rss_growth_mb"] < FLAT_MB
    return result


def _total(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One side's rounds summed: sends over the time spent sending; the largest RSS."""
    total: dict[str, Any] = {key: sum(r.get(key, 0) for r in rounds)
                             for key in ("sent", "provider_calls", "seconds")}
    total["rate"] = total["sent"] / total["seconds"]
    total["peak_rss_mb"] = max(r["peak_rss_mb"] for r in rounds)
    if len(rounds) == 1:
        total.update({k: v for k, v in rounds[0].items() if k not in total})
    total["rounds"] = [{k: r[k] for k in ("sent", "seconds", "rate")} for r in rounds]
    return total
