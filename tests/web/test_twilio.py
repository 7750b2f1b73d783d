"""POST /twilio/sms and /twilio/status: signatures, dedupe, conversations, status order."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.models import (
    Alert,
    Client,
    ClientStatus,
    Direction,
    Message,
    MessageStatus,
    StatusEvent,
    utcnow,
)
from bot.services import conversations
from bot.worker import tick
from tests.conftest import AUTH_TOKEN, TwilioPoster

BOTH = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def count(session, model) -> int:
    session.expire_all()
    n = session.scalar(sa.select(sa.func.count()).select_from(model))
    session.commit()  # on SQLite an open transaction holds the lock the webhook needs
    return n


@pytest.fixture
def twilio(app, session):
    """Signed posts; the test's session first ends its transaction, as a real request
    never shares it (the webhook writes on its own connection; on SQLite an open
    transaction would hold the write lock)."""

    class Poster(TwilioPoster):
        def post(self, *args, **kwargs):
            session.commit()
            return super().post(*args, **kwargs)

    return Poster(app.test_client())


@BOTH
def test_signed_reply_advances_the_conversation(app, session, rt, twilio, make_client, sender):
    amina = make_client("Amina")
    conversations.start_now(session, rt, amina, "activity_checkin", utcnow(),
                            by="test")
    session.commit()
    tick(app)
    assert sender.bodies[-1].startswith("Hej Amina! Var du med på din aktivitet i dag?")

    response = twilio.sms(amina.phone, "1")

    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert b"<Response>" in response.data
    tick(app)
    assert len(sender.sent) == 2
    session.expire_all()
    enrollment = conversations.open_enrollments(session, amina) or None
    assert enrollment is None  # the check-in ended after "yes"


def test_forged_signature_is_refused_and_changes_nothing(app, session, twilio, make_client):
    amina = make_client()
    forged = TwilioPoster(app.test_client(), token="not-the-token")
    response = forged.sms(amina.phone, "STOPP")
    assert response.status_code == 403
    assert count(session, Message) == 0
    assert session.get(Client, amina.id).status is ClientStatus.ACTIVE


def test_unsigned_request_is_refused(app, session, make_client):
    amina = make_client()
    response = app.test_client().post("/twilio/sms", data={
        "MessageSid": "SM1", "From": amina.phone, "Body": "STOPP"})
    assert response.status_code == 403
    assert count(session, Message) == 0


def test_a_signature_that_is_not_ascii_is_refused(app, session, twilio, make_client):
    amina = make_client()
    response = twilio.post("/twilio/sms", {"MessageSid": "SM1", "From": amina.phone},
                           signature="bm90IGEgc2lnbmF0dXJlé")
    assert response.status_code == 403
    assert count(session, Message) == 0


def test_signature_for_another_url_is_refused(app, session, make_client):
    amina = make_client()
    elsewhere = TwilioPoster(app.test_client(), base="https://evil.example")
    assert elsewhere.sms(amina.phone, "1").status_code == 403


def test_behind_a_tls_proxy_the_public_base_url_is_what_twilio_signed(database_url, make_app_):
    app = make_app_(PUBLIC_BASE_URL="https://knuff.example.se")
    public = TwilioPoster(app.test_client(), base="https://knuff.example.se")
    local = TwilioPoster(app.test_client(), base="http://localhost")
    assert public.sms("+46701740699", "hej").status_code == 200
    assert local.sms("+46701740699", "hej").status_code == 403


def test_replayed_message_sid_changes_nothing(app, session, twilio, make_client, sender):
    amina = make_client()
    first = twilio.sms(amina.phone, "hej", sid="SMreplay")
    again = twilio.sms(amina.phone, "hej", sid="SMreplay")
    assert (first.status_code, again.status_code) == (200, 200)
    assert count(session, Message) == 1  # stored once, not handled yet
    tick(app)
    again = twilio.sms(amina.phone, "hej", sid="SMreplay")  # after handling: still nothing
    assert again.status_code == 200
    tick(app)
    assert count(session, Message) == 2  # one inbound, one "we got your message"
    assert count(session, Alert) == 1
    assert len(sender.sent) == 1


def test_webhook_only_stores_the_sms_with_one_insert(app, session, twilio, make_client):
    amina = make_client()
    statements = []
    engine = app.extensions["knuff.engine"]
    session.commit()

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", seen)
    with engine.connect() as conn:  # what the driver runs, on the pool's connection
        conn.connection.driver_connection.set_trace_callback(statements.append)
    try:
        response = twilio.sms(amina.phone, "STOPP", sid="SMone")
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)
        with engine.connect() as conn:
            conn.connection.driver_connection.set_trace_callback(None)
    assert response.status_code == 200 and b"<Response></Response>" in response.data
    # Straight to the driver: one INSERT, no lookup, no flow, no explicit transaction.
    assert [s.split(None, 1)[0] for s in statements] == ["INSERT"]

    session.expire_all()
    stored = session.scalar(sa.select(Message))
    assert (stored.direction, stored.status, stored.provider_sid, stored.phone) == (
        Direction.IN, MessageStatus.RECEIVED, "SMone", amina.phone)
    assert (stored.client_id, stored.body) == (None, "STOPP")
    assert session.get(Client, amina.id).status is ClientStatus.ACTIVE  # until the worker
    session.commit()
    tick(app)
    session.expire_all()
    assert session.get(Client, amina.id).status is ClientStatus.STOPPED
    handled = session.get(Message, stored.id)
    assert (handled.status, handled.client_id, handled.phone) == (
        MessageStatus.HANDLED, amina.id, None)


def test_a_long_body_is_stored_truncated_to_twilios_limit(app, session, twilio, make_client):
    amina = make_client()
    assert twilio.sms(amina.phone, "x" * 2000).status_code == 200
    assert len(session.scalar(sa.select(Message.body))) == 1600


@pytest.mark.parametrize("sender_number", [
    "0701740605", "46701740605", "+46 70 174 06 05", "whatsapp:+46701740605", "+0701740605",
    "+4670174060512345", "Knuff"])
def test_from_that_is_not_e164_is_refused_and_nothing_stored(app, session, twilio,
                                                              sender_number):
    response = twilio.sms(sender_number, "hej")
    assert response.status_code == 400
    assert "E.164" in response.get_data(as_text=True)
    assert count(session, Message) == 0


def test_status_callback_never_touches_an_inbound_message(app, session, twilio, make_client):
    amina = make_client()
    twilio.sms(amina.phone, "hej", sid="SMinbound1")
    assert status(twilio, "SMinbound1", "delivered").status_code == 204
    session.expire_all()
    stored = session.scalar(sa.select(Message).where(Message.provider_sid == "SMinbound1"))
    assert stored.status is MessageStatus.RECEIVED
    session.commit()
    tick(app)
    assert status(twilio, "SMinbound1", "read").status_code == 204
    session.expire_all()
    assert session.get(Message, stored.id).status is MessageStatus.HANDLED
    assert count(session, StatusEvent) == 0


@pytest.mark.parametrize("missing", ["MessageSid", "From"])
def test_malformed_webhook_says_what_is_missing(app, twilio, missing):
    data = {"MessageSid": "SM1", "From": "+46701740605", "Body": "hej"}
    del data[missing]
    response = twilio.post("/twilio/sms", data)
    assert response.status_code == 400
    assert missing in response.get_data(as_text=True)


def test_stop_marks_client_stopped_confirms_and_start_reactivates(app, session, twilio,
                                                                     make_client, sender):
    amina = make_client()
    twilio.sms(amina.phone, "stopp")
    tick(app)
    session.expire_all()
    assert session.get(Client, amina.id).status is ClientStatus.STOPPED
    assert "START" in sender.bodies[-1]

    twilio.sms(amina.phone, "Start")
    tick(app)
    session.expire_all()
    assert session.get(Client, amina.id).status is ClientStatus.ACTIVE
    assert len(sender.sent) == 2


def test_unknown_number_gets_one_neutral_reply_a_day(app, session, twilio, sender):
    stranger = "+46701740698"
    for _ in range(3):
        assert twilio.sms(stranger, "Hej, hur ansöker jag?").status_code == 200
    tick(app)
    assert len(sender.sent) == 1
    assert sender.sent[0][0] == stranger
    stored = session.scalars(sa.select(Message)).all()
    # Nothing of the stranger is kept: no body, no number once the reply has left.
    assert all(m.body is None for m in stored if m.direction is Direction.IN)
    assert all(m.phone is None for m in stored)


def sent_message(session, rt, client, app) -> Message:
    conversations.start_now(session, rt, client, "activity_checkin", utcnow(),
                            by="test")
    session.commit()
    tick(app)
    session.expire_all()
    return session.scalar(sa.select(Message).where(Message.direction == Direction.OUT))


def status(twilio, sid, value, **extra):
    return twilio.post("/twilio/status", {"MessageSid": sid, "MessageStatus": value, **extra})


@BOTH
def test_status_moves_forward_only_and_every_callback_is_recorded(app, session, rt, twilio,
                                                                    make_client):
    msg = sent_message(session, rt, make_client(), app)
    for value in ("sent", "delivered", "sent", "queued"):
        assert status(twilio, msg.provider_sid, value).status_code == 204
    session.expire_all()
    assert session.get(Message, msg.id).status is MessageStatus.DELIVERED
    events = session.scalars(sa.select(StatusEvent).order_by(StatusEvent.id)).all()
    assert [(e.status, e.applied) for e in events] == [
        ("sent", True), ("delivered", True), ("sent", False), ("queued", False)]


def test_undelivered_raises_an_alert_and_21610_stops_the_client(app, session, rt, twilio,
                                                                 make_client):
    client = make_client()
    msg = sent_message(session, rt, client, app)
    status(twilio, msg.provider_sid, "undelivered", ErrorCode="21610")
    session.expire_all()
    assert session.get(Client, client.id).status is ClientStatus.STOPPED
    alert = session.scalar(sa.select(Alert).where(Alert.reason == "delivery_failed"))
    assert alert.data == {"error_code": "21610"}


def test_status_for_unknown_message_is_acknowledged(app, twilio):
    assert status(twilio, "SMnothere", "delivered").status_code == 204


def test_forged_status_callback_is_refused(app, session, rt, make_client):
    forged = TwilioPoster(app.test_client(), token=AUTH_TOKEN + "x")
    assert status(forged, "SM1", "delivered").status_code == 403


def test_behind_a_proxy_without_public_base_url_the_forwarded_url_is_checked(database_url,
                                                                            make_app_):
    """ProxyFix wraps the webhooks' own app too (KNUFF_PROXY_HOPS)."""
    app = make_app_(PUBLIC_BASE_URL="", KNUFF_PROXY_HOPS=1)
    poster = TwilioPoster(app.test_client(), base="https://knuff.example.se")
    form = {"MessageSid": "SMproxied", "From": "+46701740699", "Body": "hej"}
    signature = poster.validator.compute_signature("https://knuff.example.se/twilio/sms", form)
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "knuff.example.se"}
    client = app.test_client()
    refused = client.post("/twilio/sms", data=form,
                          headers={"X-Twilio-Signature": signature})
    accepted = client.post("/twilio/sms", data=form,
                           headers={"X-Twilio-Signature": signature, **forwarded})
    assert (refused.status_code, accepted.status_code) == (403, 200)


def test_webhooks_run_without_the_staff_apps_cookies_csrf_or_rate_limits(app, twilio,
                                                                          make_client):
    """The webhooks' lean app shares config and extensions with the staff app but never
    reads or sets a session cookie; staff pages keep their headers and session."""
    amina = make_client()
    client = app.test_client()
    client.set_cookie("session", "not-a-valid-signed-session")
    poster = TwilioPoster(client)
    for _ in range(3):
        response = poster.sms(amina.phone, "1")
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    machine = app.extensions["knuff.machine_app"]
    assert machine.config is app.config and machine.extensions is app.extensions
    login = app.test_client().get("/login")
    assert login.status_code == 200
    assert "Content-Security-Policy" in login.headers
    assert app.test_client().post("/twilio/elsewhere").status_code == 404
    assert app.test_client().get("/twilio/sms").status_code == 405
