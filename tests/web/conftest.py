"""Staff accounts in every role, and logged-in browsers for them (CSRF tokens included)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
import sqlalchemy.orm as so

from bot.models import Role, Staff
from bot.web.security import hash_password

PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class People:
    admin: Staff
    sara: Staff  # case manager, Team Norr
    ali: Staff  # case manager, Team Norr
    eva: Staff  # case manager, Team Syd
    nadia: Staff  # interpreter


@pytest.fixture
def people(session, case_manager) -> People:
    """`case_manager` (conftest) is Sara; she gets a team and a password here."""
    case_manager.team = "Team Norr"
    case_manager.password_hash = hash_password(PASSWORD)
    made = {"sara": case_manager}
    for key, email, role, team in (
        ("admin", "admin@example.se", Role.ADMIN, None),
        ("ali", "ali@example.se", Role.CASE_MANAGER, "Team Norr"),
        ("eva", "eva@example.se", Role.CASE_MANAGER, "Team Syd"),
        ("nadia", "nadia@example.se", Role.INTERPRETER, None),
    ):
        made[key] = Staff(email=email, first_name=key.title(), role=role, team=team,
                          password_hash=hash_password(PASSWORD))
        session.add(made[key])
    session.commit()
    return People(**made)


class Browser:
    """A Flask test client that logs in through the form and sends CSRF tokens."""

    def __init__(self, app):
        self.client = app.test_client()

    def token(self, path: str = "/login") -> str:
        page = self.client.get(path, follow_redirects=True).get_data(as_text=True)
        match = _TOKEN.search(page)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def login(self, email: str, password: str = PASSWORD):
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": self.token()})

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, token_from: str = "/login",
             **kwargs):
        data = {"csrf_token": self.token(token_from), **(data or {})}
        return self.client.post(path, data=data, **kwargs)


@pytest.fixture
def browser(app):
    return Browser(app)


@pytest.fixture
def as_(app, people):
    """as_("sara") -> a Browser logged in as that person."""

    def login(who: str) -> Browser:
        b = Browser(app)
        response = b.login(getattr(people, who).email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return b

    return login


# Requests in these tests must each get their own app context, as in production: a test
# that held one open would share `g` (CSRF token, UI language, database session) between
# requests. So the test's own database session lives outside any app context.
@pytest.fixture
def ctx(app):
    yield


@pytest.fixture
def session(app):
    """Autocommit: every read sees what the app has committed, and the test never holds
    SQLite's write lock while a request runs."""
    engine = app.extensions["knuff.engine"].execution_options(isolation_level="AUTOCOMMIT")
    with so.Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def rt(app):
    with app.app_context():
        from bot.services.runtime import runtime

        return runtime()


@pytest.fixture
def make_app_(database_url):
    """Extra apps with their own settings, on the test's database; disposed afterwards."""
    from tests.conftest import make_app

    apps = []

    def make(**config):
        apps.append(make_app(database_url, **config))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["knuff.engine"].dispose()
