"""Real HTTP end to end: gunicorn + worker + the fake Twilio, a whole check-in by SMS."""

from __future__ import annotations

import time
import uuid

import pytest
import requests
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bot.models import Alert, Direction, Message, MessageStatus
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.integration.conftest import (
    FROM_NUMBER,
    ClockedFake,
    Database,
    flask_cli,
    free_port,
    knuff_env,
    wait_for,
)

pytestmark = pytest.mark.slow

PHONE = "+46701740605"
QUESTION = "Var du med på din aktivitet i dag?"
FOLLOW_UP = "Vill du berätta vad som hände?"
THANKS = "får ditt svar"


class Twilio:
    """Posts to the running web server exactly as Twilio would, signed with the auth token."""

    def __init__(self, base_url: str, token: str, account_sid: str) -> None:
        self.base_url, self.account_sid = base_url, account_sid
        self.validator = RequestValidator(token)
        self.http = requests.Session()

    def sms(self, body: str, sid: str | None = None, signature: str | None = None):
        form = {"MessageSid": sid or f"SM{uuid.uuid4().hex}", "AccountSid": self.account_sid,
                "From": PHONE, "To": FROM_NUMBER, "Body": body}
        url = f"{self.base_url}/twilio/sms"
        signed = signature or self.validator.compute_signature(url, form)
        started = time.monotonic()
        response = self.http.post(url, data=form, headers={"X-Twilio-Signature": signed},
                                  timeout=10)
        return response, time.monotonic() - started

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def fake(procs):
    """The fake Twilio, posting signed status callbacks; closed before the web server stops."""
    with ClockedFake(ACCOUNT_SID, AUTH_TOKEN, status_callbacks=True) as fake:
        yield fake


@pytest.fixture
def stack(database_url, procs, fake):
    """Migrated database with one client, gunicorn (2 workers) and the worker, all running."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = knuff_env(database_url, fake, PUBLIC_BASE_URL=base, KNUFF_WORKER_INTERVAL="0.2")
    flask_cli(env, "db", "upgrade")
    assert "registered" in flask_cli(env, "clients", "add", "--phone", "070-174 06 05",
                                     "--name", "Amina")
    web = procs.gunicorn(env, port)
    procs.worker(env)

    def healthy() -> bool:
        assert web.alive, f"gunicorn exited:\n{web.tail()}"
        try:
            return requests.get(f"{base}/healthz", timeout=2).json() == {
                "status": "ok", "database": "ok"}
        except requests.RequestException:  # not listening yet, or still booting
            return False

    wait_for(healthy, 20, "gunicorn to answer /healthz", interval=0.1)
    database = Database(database_url)
    twilio = Twilio(base, fake.auth_token, fake.account_sid)
    yield env, database, twilio, base
    twilio.close()
    database.close()


def outbound_rows(database: Database) -> list[Message]:
    return database.all(sa.select(Message).where(Message.direction == Direction.OUT)
                        .order_by(Message.id))


def arrives(fake, text: str, timeout: float = 5.0) -> str:
    """Wait for a message containing `text` to reach the fake; return its body."""
    def found():
        return next((b for b in fake.bodies_to(PHONE) if text in b), None)
    return wait_for(found, timeout, f"an SMS containing {text!r} at the fake Twilio")


@pytest.mark.parametrize("database_url", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_a_check_in_runs_over_real_http_through_web_worker_and_twilio(stack, fake):
    env, database, twilio, base = stack

    assert "activity_checkin starts" in flask_cli(env, "enrol", "0701740605",
                                                   "activity_checkin")
    question = arrives(fake, QUESTION)
    assert question.startswith("Hej Amina!")

    response, took = twilio.sms("3")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert "<Response></Response>" in response.text
    assert took < 1.0, f"the webhook took {took:.2f}s"
    arrives(fake, FOLLOW_UP)

    reply, took = twilio.sms("2")
    assert reply.status_code == 200 and took < 1.0
    arrives(fake, THANKS)
    bodies = fake.bodies_to(PHONE)
    assert len(bodies) == len(fake.messages) == 3
    assert [QUESTION in bodies[0], FOLLOW_UP in bodies[1], THANKS in bodies[2]] == [True] * 3

    every_request = fake.requests
    assert [r["StatusCallback"] for r in every_request] == [f"{base}/twilio/status"] * 3
    assert {r["From"] for r in every_request} == {FROM_NUMBER}
    assert database.all(sa.select(Alert.reason)) == ["absence"]

    def delivered() -> bool:
        return [m.status for m in outbound_rows(database)] == [MessageStatus.DELIVERED] * 3

    # The fake posts signed sent/delivered callbacks to /twilio/status, as Twilio does.
    wait_for(delivered, 5, "status callbacks to mark every message delivered", 0.05)
    assert fake.callbacks is not None and fake.callbacks.wait(5)
    assert [c["status"] for c in fake.callbacks.posted] == [204] * 6


@pytest.mark.parametrize("database_url", [
    "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_forged_and_replayed_webhooks_change_nothing(stack, fake):
    env, database, twilio, _ = stack
    flask_cli(env, "enrol", "0701740605", "activity_checkin")
    arrives(fake, QUESTION)

    forged, _ = twilio.sms("3", signature="bm90IGEgc2lnbmF0dXJl")
    assert forged.status_code == 403
    answered, _ = twilio.sms("3", sid="SMreplayed0001")
    assert answered.status_code == 200
    arrives(fake, FOLLOW_UP)
    rows_before = len(outbound_rows(database))

    replayed, took = twilio.sms("3", sid="SMreplayed0001")
    assert replayed.status_code == 200 and took < 1.0
    # The replay is handled (or not) before the response: nothing new may be queued.
    assert len(outbound_rows(database)) == rows_before
    # A fresh message afterwards acts as a barrier: the outbox is sent in order, so once
    # its reply arrives, anything the replay could have queued would have arrived too.
    barrier, _ = twilio.sms("1")
    assert barrier.status_code == 200
    arrives(fake, THANKS)
    assert len(fake.messages) == 3
    inbound = database.all(sa.select(Message.provider_sid).where(
        Message.direction == Direction.IN).order_by(Message.id))
    assert inbound.count("SMreplayed0001") == 1 and len(inbound) == 2
