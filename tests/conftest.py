"""Shared fixtures: an app on a fresh database, a recording sender, signed Twilio posts."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from twilio.request_validator import RequestValidator

from bot import create_app, db, migrate
from bot.devtools.schemas import private_schema
from bot.messaging.senders import SendError, SendResult
from bot.models import Client, Role, Staff, SwedishLevel
from bot.services.runtime import runtime

AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
# A weekday at noon in Stockholm: outside quiet hours, not a holiday.
NOON = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


@dataclass
class RecordingSender:
    """A Sender that keeps what it was asked to send; can be told to fail."""

    sent: list[tuple[str, str]] = field(default_factory=list)
    sids: list[str] = field(default_factory=list)
    failures: list[SendError] = field(default_factory=list)

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, body))
        self.sids.append(f"SM{uuid.uuid4().hex}")
        return SendResult(provider_id=self.sids[-1], status="queued")

    @property
    def bodies(self) -> list[str]:
        return [body for _, body in self.sent]


def postgres_url() -> str | None:
    url = os.environ.get("TEST_POSTGRES_URL")
    if not url and os.environ.get("CI"):
        pytest.fail("CI must run the PostgreSQL tests: set TEST_POSTGRES_URL")
    return url


@pytest.fixture
def pg_url():
    """A private PostgreSQL schema; skipped locally without TEST_POSTGRES_URL, never in CI."""
    url = postgres_url()
    if not url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    with private_schema(url) as private:
        yield private


def make_app(database_url: str, **config):
    settings = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": "+46700000000",
        "PUBLIC_BASE_URL": "",
        "KNUFF_QUIET_HOURS": "off",  # tests that need quiet hours set them explicitly
        "KNUFF_SEND_THREADS": 1,  # sends in a predictable order
        "SENDER": RecordingSender(),
        "KNUFF_PASSWORD_HASHING": "cheapest",  # argon2 at full cost makes log-ins slow
        **config,
    }
    migrate.upgrade(database_url)
    return create_app(settings)


@pytest.fixture(params=["sqlite"])
def database_url(request, tmp_path):
    """SQLite by default; parametrize with "postgres" (indirect) to run on PostgreSQL too."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'knuff.sqlite3'}"
        return
    url = postgres_url()
    if not url:
        pytest.skip("TEST_POSTGRES_URL is not set")
    with private_schema(url) as private:
        yield private


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    yield app
    db_engine = app.extensions["knuff.engine"]
    db_engine.dispose()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def session(ctx):
    return db.session()


@pytest.fixture
def rt(ctx):
    return runtime()


@pytest.fixture
def sender(app) -> RecordingSender:
    return app.config["SENDER"]


@pytest.fixture
def case_manager(session) -> Staff:
    staff = Staff(email="sara@example.se", first_name="Sara", role=Role.CASE_MANAGER)
    session.add(staff)
    session.commit()
    return staff


@pytest.fixture
def make_client(session, case_manager):
    """Register a client; phone numbers from the range reserved for fiction."""
    counter = iter(range(605, 700))

    def make(first_name="Amina", language="sv", **fields) -> Client:
        client = Client(phone=fields.pop("phone", f"+46701740{next(counter)}"),
                        first_name=first_name, language=language,
                        swedish_level=fields.pop("swedish_level", SwedishLevel.UNKNOWN),
                        case_manager_id=fields.pop("case_manager_id", case_manager.id), **fields)
        session.add(client)
        session.commit()
        return client

    return make


class TwilioPoster:
    """Posts form data to a webhook the way Twilio does, signed with the auth token."""

    def __init__(self, client, base="http://localhost", token=AUTH_TOKEN):
        self.client, self.base, self.validator = client, base, RequestValidator(token)

    def post(self, path: str, data: dict, *, signature: str | None = None, **kwargs):
        sig = signature if signature is not None else self.validator.compute_signature(
            self.base + path, data)
        return self.client.post(path, data=data, headers={"X-Twilio-Signature": sig}, **kwargs)

    def sms(self, phone: str, body: str, sid: str | None = None):
        return self.post("/twilio/sms", {"MessageSid": sid or f"SM{uuid.uuid4().hex}",
                                         "From": phone, "To": "+46700000000", "Body": body,
                                         "AccountSid": ACCOUNT_SID})


@pytest.fixture
def twilio(app):
    return TwilioPoster(app.test_client())
