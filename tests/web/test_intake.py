"""POST /twilio/sms as a plain WSGI app: the edges Flask used to handle for it."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask import Blueprint

from bot.models import Message
from bot.services import inbox
from bot.web import machine
from tests.conftest import TwilioPoster


def stored(session) -> list[Message]:
    session.expire_all()
    rows = session.scalars(sa.select(Message)).all()
    session.commit()  # on SQLite an open transaction holds the lock the webhook needs
    return rows


def test_a_url_with_a_query_string_is_checked_as_signed(app, session, twilio):
    form = {"MessageSid": "SMquery", "From": "+46701740699", "Body": "hej"}
    assert twilio.post("/twilio/sms?region=norr", form).status_code == 200
    signed_without = twilio.validator.compute_signature("http://localhost/twilio/sms", form)
    refused = twilio.post("/twilio/sms?region=norr", {**form, "MessageSid": "SMquery2"},
                          signature=signed_without)
    assert refused.status_code == 403
    assert [m.provider_sid for m in stored(session)] == ["SMquery"]


def test_an_oversized_body_gets_413_and_nothing_is_stored(app, session, twilio):
    form = {"MessageSid": "SMbig", "From": "+46701740699", "Body": "x" * 70_000}
    response = twilio.post("/twilio/sms", form)
    assert response.status_code == 413
    assert stored(session) == []


def test_a_body_that_is_not_a_form_is_refused_with_the_missing_fields(app, session, twilio):
    """Twilio posts a form; a JSON body has no form fields, and the answer names them."""
    signature = twilio.validator.compute_signature("http://localhost/twilio/sms", {})
    response = app.test_client().post(
        "/twilio/sms", json={"MessageSid": "SMjson", "From": "+46701740699"},
        headers={"X-Twilio-Signature": signature})
    assert response.status_code == 400
    assert "MessageSid" in response.get_data(as_text=True)
    assert stored(session) == []


def test_a_message_sid_with_control_characters_is_refused(app, session, twilio):
    response = twilio.post("/twilio/sms", {"MessageSid": "SM1\x00", "From": "+46701740699"})
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)
    assert stored(session) == []


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_only_post_is_allowed(app, method):
    response = app.test_client().open("/twilio/sms", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"


def test_a_success_is_empty_twiml_without_cookies(app, twilio):
    response = twilio.sms("+46701740699", "hej")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert response.data == b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
    assert int(response.headers["Content-Length"]) == len(response.data)
    assert "Set-Cookie" not in response.headers


def test_the_log_names_no_full_number_and_no_message_text(app, twilio, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.web.intake")
    twilio.sms("+46701740699", "Jag mår inte bra", sid="SMlogged")
    forged = TwilioPoster(app.test_client(), token="wrong")
    forged.sms("+46701740699", "Jag mår inte bra")
    text = caplog.text
    assert "SMlogged" in text and "+4670*****99" in text and "bad signature" in text
    assert "+46701740699" not in text and "mår" not in text


def test_a_failure_is_logged_and_answered_500_so_twilio_can_report_it(
        database_url, make_app_, monkeypatch, caplog):
    app = make_app_(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def broken(_engine, sms, _now):  # as a database error quoting its parameters would
        raise RuntimeError(f"bad value: ({sms.phone}, {sms.body})")

    monkeypatch.setattr(inbox, "store", broken)
    response = TwilioPoster(app.test_client()).sms("+46701740699", "Jag mår inte bra")
    assert response.status_code == 500
    assert "inbound sms webhook failed: RuntimeError" in caplog.text
    assert "in broken" in caplog.text  # where it was raised
    assert "+46701740699" not in caplog.text and "mår" not in caplog.text


def test_in_tests_a_failure_propagates_as_flask_would(app, twilio, monkeypatch):
    monkeypatch.setattr(inbox, "store", lambda *_a, **_k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        twilio.sms("+46701740699", "hej")


def test_a_path_cannot_be_both_a_machine_route_and_a_plain_endpoint(app):
    bp = Blueprint("clash", __name__)
    bp.add_url_rule("/clash", "clash", lambda: "")
    with pytest.raises(ValueError, match="/clash is both"):
        machine.mount(app, [bp], {"/clash": lambda environ, start_response: []})
