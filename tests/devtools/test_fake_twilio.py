"""The fake Twilio answers like Twilio, keeps connections alive and can fail on demand."""

import base64
import http.client
import json
import os
import signal
import subprocess
import sys
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from bot.devtools.fake_twilio import FakeTwilio

SID = "AC" + "c3" * 16
TOKEN = "fake-token"
CLIENT = "+46701234567"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"
AUTH = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()


class Api:
    """Raw HTTP/1.1 to the fake over one kept-alive connection."""

    def __init__(self, base_url: str) -> None:
        self.connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=5)

    def post(self, fields: dict, auth: str | None = AUTH, path: str = PATH):
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if auth:
            headers["Authorization"] = auth
        self.connection.request("POST", path, urlencode(fields), headers)
        return self._answer()

    def get(self, path: str):
        self.connection.request("GET", path, headers={"Authorization": AUTH})
        return self._answer()

    def _answer(self):
        response = self.connection.getresponse()
        assert response.getheader("Content-Length") is not None
        return response.status, json.loads(response.read())


@pytest.fixture
def fake():
    with FakeTwilio(account_sid=SID, auth_token=TOKEN) as fake:
        yield fake


@pytest.fixture
def api(fake):
    api = Api(fake.base_url)
    yield api
    api.connection.close()


@pytest.fixture
def client(fake):
    client = Client(SID, TOKEN, http_client=TwilioHttpClient(timeout=5))
    client.api.base_url = fake.base_url
    yield client
    client.http_client.session.close()


def test_creates_a_message_resource(fake, api):
    status, body = api.post({"To": CLIENT, "From": "+46700000001", "Body": "Hej " * 50})
    assert status == 201
    assert body["sid"].startswith("SM") and len(body["sid"]) == 34
    assert (body["status"], body["to"], body["from"]) == ("queued", CLIENT, "+46700000001")
    assert (body["num_segments"], body["account_sid"], body["direction"]) == (
        "2",
        SID,
        "outbound-api",
    )
    assert body["uri"] == f"/2010-04-01/Accounts/{SID}/Messages/{body['sid']}.json"
    assert fake.messages == [body]
    assert fake.count == 1


def test_the_sdk_parses_created_and_fetched_messages(fake, client):
    created = client.messages.create(to=CLIENT, from_="+46700000001", body="Hej ሰላም")
    assert isinstance(created.date_created, datetime)
    fetched = client.messages(created.sid).fetch()
    assert (fetched.sid, fetched.body, fetched.num_segments) == (created.sid, "Hej ሰላም", "1")


@pytest.mark.parametrize("auth", [None, "Basic " + base64.b64encode(b"AC1:nope").decode()])
def test_refuses_wrong_credentials(fake, api, auth):
    status, body = api.post({"To": CLIENT, "From": "+46700000001", "Body": "Hej"}, auth=auth)
    assert status == 401
    assert (body["code"], body["status"]) == (20003, 401)
    assert fake.count == 0


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"To": "0701234567", "From": "+46700000001", "Body": "Hej"}, 21211),
        ({"To": CLIENT, "Body": "Hej"}, 21603),
        ({"To": CLIENT, "From": "+46700000001", "Body": ""}, 21602),
        ({"To": CLIENT, "From": "+46700000001", "Body": "x" * 1601}, 21617),
    ],
)
def test_validates_like_twilio(fake, api, fields, code):
    status, body = api.post(fields)
    assert (status, body["code"]) == (400, code)
    assert fake.count == 0


def test_unsubscribed_numbers_get_21610(fake, api):
    fake.unsubscribed.add(CLIENT)
    status, body = api.post({"To": CLIENT, "From": "+46700000001", "Body": "Hej"})
    assert (status, body["code"]) == (400, 21610)


def test_fail_next_fails_that_many_requests_then_recovers(fake, api):
    fake.fail_next(2, status=503)
    fields = {"To": CLIENT, "From": "+46700000001", "Body": "Hej"}
    assert [api.post(fields)[0] for _ in range(3)] == [503, 503, 201]
    assert (fake.request_count, fake.count, len(fake.requests)) == (3, 1, 3)


def test_keeps_the_connection_alive(fake, api):
    for _ in range(5):
        api.post({"To": CLIENT, "From": "+46700000001", "Body": "Hej"})
    assert fake.connection_count == 1


def test_fetch_of_an_unknown_message_is_404(api):
    status, body = api.get(f"/2010-04-01/Accounts/{SID}/Messages/SM{'0' * 32}.json")
    assert (status, body["status"]) == (404, 404)


def test_without_bodies_it_only_counts():
    with FakeTwilio(account_sid=SID, auth_token=TOKEN, record_bodies=False) as fake:
        quiet_api = Api(fake.base_url)
        try:
            status, body = quiet_api.post({"To": CLIENT, "From": "+46700000001", "Body": "Hej"})
            fetched, _ = quiet_api.get(body["uri"])
        finally:
            quiet_api.connection.close()
    assert (status, fetched) == (201, 404)
    assert (fake.count, fake.request_count, fake.messages, fake.requests) == (1, 1, [], [])


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
        params = {key: values[0] for key, values in parse_qs(raw).items()}
        self.server.received.append((self.headers["X-Twilio-Signature"], params))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    thread.join()
    server.server_close()


def test_posts_signed_status_callbacks(receiver, client):
    url = f"http://127.0.0.1:{receiver.server_address[1]}/twilio/status"
    with FakeTwilio(account_sid=SID, auth_token=TOKEN, status_callbacks=True) as fake:
        client.api.base_url = fake.base_url
        message = client.messages.create(
            to=CLIENT, from_="+46700000001", body="Hej", status_callback=url
        )
        assert fake.callbacks.wait(timeout=5)
        assert fake.messages[0]["status"] == "delivered"
    assert [params["MessageStatus"] for _, params in receiver.received] == ["sent", "delivered"]
    validator = RequestValidator(TOKEN)
    for signature, params in receiver.received:
        assert params["MessageSid"] == message.sid
        assert validator.validate(url, params, signature)
    assert [post["status"] for post in fake.callbacks.posted] == [204, 204]


@pytest.mark.slow
def test_command_line_serves_until_terminated():
    command = [sys.executable, "-m", "bot.devtools.fake_twilio", "--port", "0", "--quiet"]
    env = {**os.environ, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    try:
        line = process.stdout.readline().decode()
        assert line.startswith("fake twilio listening on http://127.0.0.1:")
        api = Api(line.split()[-1])
        try:
            assert api.post({"To": CLIENT, "From": "+46700000001", "Body": "Hej"})[0] == 201
        finally:
            api.connection.close()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == 0
    assert b"after 1 messages" in err
