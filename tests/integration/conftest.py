"""Process helpers for integration tests: free ports, polling, subprocesses, a clocked fake.

Every process started here writes to a log file in tmp_path; the last lines of each are
printed at teardown, so a failing test shows what the web server or worker said.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
import sqlalchemy.orm as so

from bot import db as knuff_db
from bot.devtools.fake_twilio import FakeTwilio
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN

ROOT = Path(__file__).resolve().parents[2]
FROM_NUMBER = "+46700000000"
T = TypeVar("T")


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check: Callable[[], T], timeout: float, what: str, interval: float = 0.02) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(interval)


def stays(check: Callable[[], bool], duration: float, interval: float = 0.05) -> bool:
    """True if `check` holds at every poll for `duration` seconds (a negative assertion)."""
    deadline = time.monotonic() + duration
    while time.monotonic() < deadline:
        if not check():
            return False
        time.sleep(interval)
    return check()


class Proc:
    """One subprocess with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_for_output(self, text: str, timeout: float = 20) -> None:
        def seen() -> bool:
            if not self.alive and text not in self.output():
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}) before "
                                     f"printing {text!r}:\n{self.tail()}")
            return text in self.output()

        wait_for(seen, timeout, f"{self.name} to print {text!r}", interval=0.05)

    def stop(self, timeout: float = 15) -> int:
        """SIGTERM, wait, SIGKILL if it will not go; returns the exit code."""
        if self.alive:
            self.popen.terminate()
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
        self._log.close()
        return self.popen.returncode

    def crash(self) -> None:
        """SIGKILL: no cleanup, no final commit, as when a machine dies."""
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(10)


class Procs:
    """Starts Knuff's processes; stops every one of them at teardown."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[Proc] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, args, env, self.log_dir)
        self.started.append(proc)
        return proc

    def worker(self, env: dict[str, str], name: str = "worker") -> Proc:
        proc = self.start(name, [sys.executable, "-m", "bot.worker"], env)
        proc.wait_for_output("worker started")
        return proc

    def gunicorn(self, env: dict[str, str], port: int, workers: int = 2) -> Proc:
        return self.start("gunicorn", [
            sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
            "--graceful-timeout", "5", "bot:create_app()",
        ], env)

    def close(self) -> None:
        for proc in reversed(self.started):
            code = proc.stop()
            print(f"----- {proc.name} (pid {proc.pid}, exit {code}) -----\n{proc.tail()}")


@pytest.fixture
def procs(tmp_path) -> Iterator[Procs]:
    group = Procs(tmp_path)
    try:
        yield group
    finally:
        group.close()


def knuff_env(database_url: str, fake: FakeTwilio, **settings: str) -> dict[str, str]:
    """The environment of a Knuff process: this test's database and the fake Twilio."""
    ours = ("KNUFF_", "TWILIO_", "FLASK_")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(ours) and k not in ("DATABASE_URL", "SECRET_KEY",
                                                    "PUBLIC_BASE_URL")}
    env.update({
        "DATABASE_URL": database_url,
        "SECRET_KEY": "integration-test-secret",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM": FROM_NUMBER,
        "TWILIO_API_BASE_URL": fake.base_url,
        "KNUFF_QUIET_HOURS": "off",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(settings)
    return env


def flask_cli(env: dict[str, str], *args: str) -> str:
    """Run `flask --app bot ARGS` like an operator would; fail with its output if it fails."""
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "bot", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


class ClockedFake(FakeTwilio):
    """The fake Twilio, also noting when (UTC wall clock) each accepted message arrived."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._arrivals: list[tuple[datetime, dict[str, str]]] = []
        self._arrivals_lock = threading.Lock()

    def handle_create(self, account_sid: str, auth: str | None, form: dict[str, str]):
        arrived = datetime.now(UTC)
        status, payload = super().handle_create(account_sid, auth, form)
        if status == 201:
            with self._arrivals_lock:
                self._arrivals.append((arrived, form))
        return status, payload

    @property
    def arrivals(self) -> list[tuple[datetime, dict[str, str]]]:
        with self._arrivals_lock:
            return list(self._arrivals)

    def bodies_to(self, phone: str) -> list[str]:
        return [m["body"] for m in self.messages if m["to"] == phone]


@pytest.fixture
def fake() -> Iterator[ClockedFake]:
    with ClockedFake(ACCOUNT_SID, AUTH_TOKEN) as fake:
        yield fake


class Database:
    """Read (and sometimes write) the database the processes share, from the test."""

    def __init__(self, url: str) -> None:
        self.engine = knuff_db.make_engine(url)
        self.sessions = so.sessionmaker(self.engine, expire_on_commit=False)

    def scalar(self, query: sa.Select) -> Any:
        with self.sessions() as session:
            return session.scalar(query)

    def all(self, query: sa.Select) -> list[Any]:
        with self.sessions() as session:
            return list(session.scalars(query))

    def close(self) -> None:
        self.engine.dispose()
