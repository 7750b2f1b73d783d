"""Senders hand messages to Twilio (here: the local fake) or print them, and say why not."""

import io
import logging
import re
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.devtools.fake_twilio import FakeTwilio
from bot.messaging.senders import (
    ConsoleSender,
    Sender,
    SendError,
    TwilioSender,
    make_sender,
    mask_number,
)

SID = "AC" + "a1" * 16
TOKEN = "secret-token"
FROM = "+46700000001"
SERVICE = "MG" + "b2" * 16
CLIENT = "+46701234567"


@pytest.fixture
def fake():
    with FakeTwilio(account_sid=SID, auth_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def sender(fake):
    with TwilioSender(SID, TOKEN, from_number=FROM, base_url=fake.base_url) as sender:
        yield sender


def test_sends_exactly_these_form_fields(fake, sender):
    result = sender.send(CLIENT, "Hej Åsa! Ses på fredag?", status_callback="https://k.se/s")
    assert fake.requests == [
        {
            "To": CLIENT,
            "From": FROM,
            "Body": "Hej Åsa! Ses på fredag?",
            "StatusCallback": "https://k.se/s",
        }
    ]
    assert re.fullmatch(r"SM[0-9a-f]{32}", result.provider_id)
    assert result.status == "queued"
    assert fake.messages[0]["sid"] == result.provider_id


def test_leaves_out_status_callback_when_there_is_none(fake, sender):
    sender.send(CLIENT, "Hej")
    assert fake.requests == [{"To": CLIENT, "From": FROM, "Body": "Hej"}]


def test_sends_through_a_messaging_service(fake):
    with TwilioSender(SID, TOKEN, messaging_service_sid=SERVICE, base_url=fake.base_url) as s:
        result = s.send(CLIENT, "Hej")
    assert fake.requests == [{"To": CLIENT, "MessagingServiceSid": SERVICE, "Body": "Hej"}]
    assert result.status == "accepted"


def test_reuses_one_connection(fake, sender):
    for _ in range(20):
        sender.send(CLIENT, "Hej")
    assert fake.count == 20
    assert fake.connection_count == 1


def test_concurrent_threads_keep_their_connections(fake, sender):
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: sender.send(CLIENT, f"Hej {i}"), range(400)))
    assert fake.count == 400
    assert fake.connection_count <= 8


@pytest.mark.parametrize(("to", "code"), [(CLIENT, 21610), ("0701234567", 21211)])
def test_unsubscribed_or_invalid_number_fails_permanently(fake, sender, to, code):
    fake.unsubscribed.add(CLIENT)
    with pytest.raises(SendError) as error:
        sender.send(to, "Hej")
    assert (error.value.permanent, error.value.code, error.value.status) == (True, code, 400)
    assert to not in str(error.value)  # numbers are masked, the message may be logged
    assert fake.count == 0


@pytest.mark.parametrize(("status", "code"), [(503, 20503), (500, 20500), (429, 20429)])
def test_server_errors_and_throttling_are_transient(fake, sender, status, code):
    fake.fail_next(1, status=status)
    with pytest.raises(SendError) as error:
        sender.send(CLIENT, "Hej")
    assert (error.value.permanent, error.value.code, error.value.status) == (False, code, status)
    assert sender.send(CLIENT, "Hej").status == "queued"
    assert fake.request_count == 2


def test_wrong_token_is_an_error_but_not_the_messages_fault(fake):
    with TwilioSender(SID, "wrong", from_number=FROM, base_url=fake.base_url) as sender:
        with pytest.raises(SendError) as error:
            sender.send(CLIENT, "Hej")
    assert (error.value.permanent, error.value.code, error.value.status) == (False, 20003, 401)


def test_network_failure_is_transient():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    with TwilioSender(SID, TOKEN, from_number=FROM, base_url=base_url, timeout=2) as sender:
        with pytest.raises(SendError) as error:
            sender.send(CLIENT, "Hej")
    assert (error.value.permanent, error.value.code) == (False, None)


def test_bodies_and_numbers_stay_out_of_the_logs(fake, sender, caplog):
    caplog.set_level(logging.DEBUG)
    sender.send(CLIENT, "Hemligt innehåll")
    assert "Hemligt" not in caplog.text
    assert CLIENT not in caplog.text


@pytest.mark.parametrize(
    "sender_args", [{}, {"from_number": FROM, "messaging_service_sid": SERVICE}]
)
def test_twilio_sender_needs_exactly_one_sender_identity(sender_args):
    with pytest.raises(ValueError, match="exactly one"):
        TwilioSender(SID, TOKEN, **sender_args)


def test_console_sender_prints_one_line_with_a_masked_number():
    stream = io.StringIO()
    result = ConsoleSender(stream).send(CLIENT, "Hej!\nRing oss", status_callback="https://x")
    assert re.fullmatch(r"console-[0-9a-f]{32}", result.provider_id)
    assert result.status == "sent"
    assert (
        stream.getvalue() == f'[sms] {result.provider_id} to=+4670*****67 body="Hej!\\nRing oss"\n'
    )


def test_console_sender_writes_to_stdout_by_default(capsys):
    ConsoleSender().send(CLIENT, "Hej på dig")
    assert 'to=+4670*****67 body="Hej på dig"' in capsys.readouterr().out


def test_console_sender_does_not_log(caplog):
    caplog.set_level(logging.DEBUG)
    ConsoleSender(io.StringIO()).send(CLIENT, "Hemligt")
    assert caplog.records == []


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+46701234567", "+4670*****67"), ("+4915112345678", "+4915*******78"), ("+12345", "****45")],
)
def test_mask_number(number, masked):
    assert mask_number(number) == masked


def test_make_sender_defaults_to_the_console():
    assert isinstance(make_sender({}), ConsoleSender)
    assert isinstance(make_sender({"TWILIO_ACCOUNT_SID": "", "TWILIO_AUTH_TOKEN": ""}), Sender)


def test_make_sender_uses_twilio_when_configured(fake):
    config = {
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE,
        "TWILIO_API_BASE_URL": fake.base_url,
    }
    sender = make_sender(config)
    try:
        assert isinstance(sender, TwilioSender)
        sender.send(CLIENT, "Hej")
    finally:
        sender.close()
    assert fake.messages[0]["messaging_service_sid"] == SERVICE


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"TWILIO_ACCOUNT_SID": SID}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": FROM}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}, "TWILIO_FROM"),
    ],
)
def test_make_sender_refuses_half_a_twilio_configuration(config, problem):
    with pytest.raises(ValueError, match=problem):
        make_sender(config)
