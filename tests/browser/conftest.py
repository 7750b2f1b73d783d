"""Browser tests: Playwright drives Debian's chromium against the real processes.

One stack for the whole session (gunicorn with the simulator, the worker, the fake Twilio,
a migrated SQLite file with staff accounts), reusing the
integration tests' process helpers. Each role logs in once through the log-in form; later
pages of that role start from the saved cookies (the log-in form is rate limited).

Chromium is the distribution's (`make test` installs it); `playwright install` is never
needed. Without chromium the tests skip locally, and fail in CI, which must run them.
Screenshots go to test-artifacts/screenshots/ (gitignored), also one per open page when a
test fails.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from bot import migrate
from bot.models import Role, Staff
from bot.web.security import hash_password
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.integration.conftest import (
    ROOT,
    ClockedFake,
    Database,
    Procs,
    free_port,
    knuff_env,
    wait_for,
)

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "rätt häst batteri 42"  # staff passwords need 12+ characters
# Flags that keep chromium off the (closed) network and quiet in a container.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
TIMEOUT_MS = 15_000  # a busy two-core machine runs the suite beside these tests
_session: dict[str, bool] = {}  # "ran": chromium started in this pytest session


@dataclass(frozen=True)
class Person:
    email: str
    first_name: str
    role: str
    team: str | None = None


STAFF = {
    "admin": Person("admin@knuff.test", "Adam", "admin"),
    "sara": Person("sara@knuff.test", "Sara", "case_manager", "Team Norr"),
    "eva": Person("eva@knuff.test", "Eva", "case_manager", "Team Syd"),
    "nadia": Person("nadia@knuff.test", "Nadia", "interpreter"),
}


def chromium_path() -> str | None:
    """Debian's chromium (/usr/bin/chromium), wherever PATH finds it."""
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium, headless; skipped locally when missing, never in CI."""
    path = chromium_path()
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:  # pragma: no cover - dev extras not installed
        path = None
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser tests: chromium or playwright is missing "
                        "(`make test` installs chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium, or `make test`)")
    expect.set_options(timeout=TIMEOUT_MS)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    _session["ran"] = True
    with sync_playwright() as pw:
        # launch() gives every run a fresh temporary user-data-dir of its own.
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Stack:
    base: str
    env: dict[str, str]
    database: Database
    fake: ClockedFake
    web: object


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """gunicorn (development mode: simulator on) + worker + fake Twilio on a temp SQLite."""
    folder = tmp_path_factory.mktemp("browser")
    database_url = f"sqlite:///{folder / 'knuff.sqlite3'}"
    procs = Procs(folder)
    try:
        with ClockedFake(ACCOUNT_SID, AUTH_TOKEN, status_callbacks=True) as fake:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env = knuff_env(database_url, fake, PUBLIC_BASE_URL=base, KNUFF_ENV="development",
                            KNUFF_WORKER_INTERVAL="0.2", KNUFF_SEND_THREADS="1")
            migrate.upgrade(database_url)
            database = Database(database_url)
            _add_staff(database)
            web = procs.gunicorn(env, port)
            procs.worker(env)
            wait_for(lambda: _healthy(web, base), 30, "gunicorn to answer /healthz", 0.1)
            try:
                yield Stack(base, env, database, fake, web)
            finally:
                database.close()
    finally:
        procs.close()


def _add_staff(database: Database) -> None:
    """The accounts, as `flask create-staff` makes them (in-process: four CLI runs would
    cost seconds each; tests/cli covers the command)."""
    with database.sessions() as session:
        session.add_all(Staff(email=p.email, first_name=p.first_name, role=Role(p.role),
                              team=p.team, password_hash=hash_password(PASSWORD))
                        for p in STAFF.values())
        session.commit()


def _healthy(web, base: str) -> bool:
    assert web.alive, f"gunicorn exited:\n{web.tail()}"
    try:
        return requests.get(f"{base}/healthz", timeout=2).ok
    except requests.RequestException:  # not listening yet
        return False


def shot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact: test-artifacts/screenshots/NAME.png."""
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, who: str, password: str = PASSWORD) -> None:
    """Fill in and send the log-in form as a person would."""
    page.goto("/login")
    page.get_by_label("E-post").fill(STAFF[who].email)
    page.get_by_label("Lösenord").fill(password)
    page.get_by_role("button", name="Logga in").click()


@dataclass
class Visitors:
    """Browser contexts for one test: one per person, logged in, closed at teardown."""

    browser: object
    stack: Stack
    saved: dict[str, dict]
    contexts: list = field(default_factory=list)
    errors: dict[object, list[str]] = field(default_factory=dict)

    def page(self, who: str | None = None):
        """A new page for `who` (a key of STAFF), or for nobody logged in."""
        context = self.browser.new_context(
            base_url=self.stack.base, locale="sv-SE", timezone_id="Europe/Stockholm",
            viewport={"width": 1280, "height": 900},
            storage_state=self.saved.get(who) if who else None)
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        errors = self.errors.setdefault(page, [])
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        if who and who not in self.saved:
            log_in(page, who)
            page.wait_for_url(lambda url: "/login" not in url)
            self.saved[who] = context.storage_state()
        return page

    def console_errors(self) -> list[str]:
        # A refused status (403/404) is what some tests ask for; the rest is a real error
        # (a script error, or a CSP violation from an inline style or script).
        return [f"{page.url}: {text}" for page, texts in self.errors.items() for text in texts
                if not text.startswith("Failed to load resource")]

    def close(self, failed_test: str | None) -> None:
        for n, context in enumerate(self.contexts):
            if failed_test:
                for m, page in enumerate(context.pages):
                    shot(page, f"failed-{failed_test}-{n}{m}")
            context.close()


@pytest.fixture(scope="session")
def saved_logins() -> dict[str, dict]:
    return {}


@pytest.fixture
def as_(chromium, stack, saved_logins, request) -> Iterator[Callable[..., object]]:
    """`as_("sara")` -> a Playwright page logged in as Sara; `as_()` -> nobody logged in.
    Fails the test if a page logged a script error or a CSP violation."""
    visitors = Visitors(chromium, stack, saved_logins)
    yield visitors.page
    report = getattr(request.node, "rep_call", None)
    failed = report is not None and report.failed
    visitors.close(request.node.name.replace("/", "_") if failed else None)
    if not failed:
        assert not visitors.console_errors(), "\n".join(visitors.console_errors())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def pytest_terminal_summary(terminalreporter):
    pictures = sorted(SCREENSHOTS.glob("*.png")) if _session.get("ran") else []
    if pictures:
        terminalreporter.write_line(
            f"browser screenshots: {SCREENSHOTS} ({len(pictures)} files)")
