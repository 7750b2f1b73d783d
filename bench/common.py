"""Shared plumbing: settings, databases (SQLite and an optional PostgreSQL schema), child
processes and memory readings.

Every benchmark runs Knuff as it runs in production (gunicorn, `bot.worker.tick`, the
real Twilio SDK), configured from the environment, so these helpers build that
environment once and keep the processes they start on a short leash.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.devtools.schemas import private_schema

ACCOUNT_SID = "AC" + "b" * 32
AUTH_TOKEN = "bench-auth-token"
FROM_NUMBER = "+46700000000"
# Status callbacks are part of every real send; the fake does not call them back here.
PUBLIC_BASE_URL = "https://knuff.bench.invalid"
SECRET_KEY = "bench-secret"
ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Database:
    """One database the benchmarks run against: a label for the report and its URL."""

    label: str
    url: str


def postgres_base_url() -> str | None:
    """BENCH_POSTGRES_URL, else TEST_POSTGRES_URL; None when neither is set."""
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or None


@contextlib.contextmanager
def sqlite_database(workdir: Path) -> Iterator[Database]:
    """A fresh SQLite file (the embedded default) in the run's temp dir."""
    path = workdir / f"knuff-{uuid.uuid4().hex[:8]}.sqlite3"
    yield Database("sqlite", f"sqlite:///{path}")


@contextlib.contextmanager
def postgres_database(url: str) -> Iterator[Database]:
    """A private schema (search_path in the URL) that is dropped afterwards."""
    with private_schema(url, prefix="knuff_bench") as private:
        yield Database("postgresql", private)


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    """A temp dir for databases, request files and server logs; removed at the end."""
    path = Path(tempfile.mkdtemp(prefix="knuff-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def knuff_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment a Knuff process (gunicorn, worker) gets: production-like settings.

    Quiet hours are off so a run at night still dispatches (the nudges would otherwise
    wait for the morning by design).
    """
    env = dict(os.environ)
    env.update(settings(database_url))
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def settings(database_url: str) -> dict[str, str]:
    """Knuff's settings for a benchmark run (the names of DESIGN.md's settings table)."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM_NUMBER,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "KNUFF_QUIET_HOURS": "off",
    }


def make_app(database_url: str, **config: Any):
    """A Knuff app on `database_url` configured like `knuff_env` (migrations applied)."""
    from bot import create_app, migrate

    migrate.upgrade(database_url)
    return create_app({**settings(database_url), **config})


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (for gunicorn)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Child:
    """A child process we started; `stop` ends exactly it (SIGTERM, then SIGKILL)."""

    def __init__(self, args: list[str], *, env: dict[str, str] | None = None,
                 log: Path | None = None, stdout: int | None = None) -> None:
        self.log = log
        out: Any = open(log, "wb") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=stdout or out, stderr=out)
        if log:
            out.close()

    def stop(self, timeout: float = 10) -> None:
        """End this child only: SIGTERM, then SIGKILL if it does not go in `timeout` s."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log_tail(self, lines: int = 20) -> str:
        """The end of the child's log, for error messages."""
        if not self.log or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def wait_http(url: str, child: Child, timeout: float = 30) -> None:
    """Wait until `url` answers at all (any HTTP status); fail with the child's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            break
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up:\n{child.log_tail()}")


def python() -> str:
    """This interpreter (the venv's), for child processes."""
    return sys.executable


def proc_memory_mb(pid: int | str = "self") -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB, from /proc (psutil is not a dependency)."""
    values = {"VmRSS": 0.0, "VmHWM": 0.0}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in values:
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def paired_ratio(measured: list[float], baseline: list[float]) -> dict[str, Any]:
    """The ratio of two sides measured in alternating rounds, round by round.

    Each Knuff round is paired with the baseline round right after it, so the two saw the
    same machine; the median of the paired ratios is the figure a verdict is made on, as it
    does not move when a neighbour's burst slows one round. `aggregate` is the plain
    total-over-total ratio, kept for comparison; `low`/`high` show the spread.
    """
    if not measured or len(measured) != len(baseline):
        raise ValueError("paired_ratio needs one baseline round per measured round")
    rounds = [m / b for m, b in zip(measured, baseline, strict=True)]
    return {"ratio": statistics.median(rounds), "round_ratios": rounds,
            "low": min(rounds), "high": max(rounds)}
