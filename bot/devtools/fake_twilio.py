"""A small, fast local fake of Twilio's Messages API for tests and benchmarks.

It answers the real SDK (pointed at it with `TWILIO_API_BASE_URL`) the way Twilio does:
basic auth, E.164 validation, Message resources, error JSON with Twilio codes. HTTP/1.1
keep-alive lets the SDK's session reuse connections, so a benchmark measures Knuff rather
than TCP handshakes. Run it alone with
`python -m bot.devtools.fake_twilio --port 8099 --account-sid AC... --auth-token ...`.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import signal
import socket
import sys
import threading
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from bot.devtools.status_callbacks import StatusCallbacks
from bot.devtools.twilio_resources import (
    TRANSIENT_CODES,
    Reply,
    error_reply,
    message_resource,
    validate_message,
)

_CREATE = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages\.json$")
_FETCH = re.compile(r"^/2010-04-01/Accounts/([^/]+)/Messages/([^/]+)\.json$")


class FakeTwilio:
    """The fake API on 127.0.0.1 in a background thread; use it as a context manager.

    `messages` holds the Message resources created, `requests` the form fields of every
    POST, and `count` how many messages were accepted. With `record_bodies=False` only
    the count is kept, so a 100k-message benchmark runs in flat memory.
    """

    def __init__(
        self,
        account_sid: str = "AC" + "0" * 32,
        auth_token: str = "fake-auth-token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        record_bodies: bool = True,
        unsubscribed: Iterable[str] = (),
        status_callbacks: bool = False,
        verbose: bool = False,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.record_bodies = record_bodies
        self.unsubscribed = set(unsubscribed)
        self.verbose = verbose
        self._auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._lock = threading.Lock()
        self._messages: list[dict[str, Any]] = []
        self._by_sid: dict[str, dict[str, Any]] = {}
        self._requests: list[dict[str, str]] = []
        self._count = 0
        self._request_count = 0
        self._failures: list[int] = []
        self._server = _Server((host, port), self)
        self._thread: threading.Thread | None = None
        self.callbacks = StatusCallbacks(auth_token) if status_callbacks else None

    @property
    def base_url(self) -> str:
        """The URL to give the SDK (TWILIO_API_BASE_URL)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def messages(self) -> list[dict[str, Any]]:
        """A snapshot of the Message resources created so far."""
        with self._lock:
            return list(self._messages)

    @property
    def requests(self) -> list[dict[str, str]]:
        """A snapshot of the form fields of every message POST, accepted or not."""
        with self._lock:
            return list(self._requests)

    @property
    def count(self) -> int:
        """How many messages were accepted (kept even when bodies are not recorded)."""
        with self._lock:
            return self._count

    @property
    def request_count(self) -> int:
        """How many message POSTs arrived, accepted or not."""
        with self._lock:
            return self._request_count

    @property
    def connection_count(self) -> int:
        """How many TCP connections clients opened; stays low when keep-alive works."""
        return self._server.connections_opened

    def fail_next(self, n: int = 1, status: int = 503) -> None:
        """Answer the next `n` message POSTs with HTTP `status` (a transient failure)."""
        with self._lock:
            self._failures.extend([status] * n)

    def reset(self) -> None:
        """Forget recorded messages, requests and pending failures."""
        with self._lock:
            self._messages.clear()
            self._by_sid.clear()
            self._requests.clear()
            self._failures.clear()
            self._count = 0
            self._request_count = 0

    def start(self) -> FakeTwilio:
        """Serve in a background thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and close every connection and thread."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
        if self.callbacks is not None:
            self.callbacks.close()

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def handle_create(self, account_sid: str, auth: str | None, form: dict[str, str]) -> Reply:
        """Answer a message POST: (HTTP status, JSON body)."""
        if auth != self._auth or account_sid != self.account_sid:
            return error_reply(401, 20003, "Authenticate")
        with self._lock:
            self._request_count += 1
            if self.record_bodies:
                self._requests.append(form)
            if self._failures:
                status = self._failures.pop(0)
                return error_reply(status, TRANSIENT_CODES.get(status), HTTPStatus(status).phrase)
        problem = validate_message(form)
        if problem:
            return problem
        if form["To"] in self.unsubscribed:
            return error_reply(400, 21610, "Attempt to send to unsubscribed recipient")
        message = message_resource(self.account_sid, form)
        with self._lock:
            self._count += 1
            if self.record_bodies:
                self._messages.append(message)
                self._by_sid[message["sid"]] = message
        return 201, message

    def answered(self, form: dict[str, str], status: int, payload: dict[str, Any]) -> None:
        """After a reply went out: queue status callbacks for an accepted message."""
        if status == 201 and self.callbacks is not None and form.get("StatusCallback"):
            self.callbacks.schedule(form["StatusCallback"], payload, self._set_status)

    def handle_fetch(self, account_sid: str, auth: str | None, sid: str) -> Reply:
        """Answer GET of one recorded message."""
        if auth != self._auth or account_sid != self.account_sid:
            return error_reply(401, 20003, "Authenticate")
        with self._lock:
            message = self._by_sid.get(sid)
        if message is None:
            return error_reply(404, 20404, f"The requested resource {sid} was not found")
        return 200, message

    def _set_status(self, sid: str, status: str) -> None:
        with self._lock:
            message = self._by_sid.get(sid)
            if message is not None:
                message["status"] = status


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so the SDK's session reuses connections
    disable_nagle_algorithm = True  # headers and body go in separate writes
    timeout = 60
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8")
        match = _CREATE.match(self.path)
        if not match:
            return self._reply(*error_reply(404, 20404, "Not found"))
        form = {key: values[-1] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        fake = self.server.fake
        status, payload = fake.handle_create(match[1], self.headers.get("Authorization"), form)
        self._reply(status, payload)
        fake.answered(form, status, payload)

    def do_GET(self) -> None:
        match = _FETCH.match(self.path)
        if not match:
            return self._reply(*error_reply(404, 20404, "Not found"))
        fake = self.server.fake
        self._reply(*fake.handle_fetch(match[1], self.headers.get("Authorization"), match[2]))

    def _reply(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            super().log_message(format, *args)


class _Server(ThreadingHTTPServer):
    """Joins its handler threads on close, after cutting idle keep-alive connections."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], fake: FakeTwilio) -> None:
        self.fake = fake
        self._connections: set[Any] = set()
        self.connections_opened = 0
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
            self.connections_opened += 1
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def server_close(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # wakes a handler waiting for the next request
                connection.shutdown(socket.SHUT_RDWR)
        super().server_close()


def main(argv: list[str] | None = None) -> None:
    """Serve the fake until SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099, help="0 picks a free port")
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID"))
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN"))
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument("--no-record-bodies", action="store_true", help="keep only a count")
    parser.add_argument("--unsubscribed", action="append", default=[], metavar="NUMBER")
    parser.add_argument("--status-callbacks", action="store_true", help="post sent/delivered")
    args = parser.parse_args(argv)
    if not args.account_sid or not args.auth_token:
        parser.error("--account-sid and --auth-token are required (or TWILIO_* in the env)")
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    fake = FakeTwilio(
        args.account_sid,
        args.auth_token,
        host=args.host,
        port=args.port,
        record_bodies=not args.no_record_bodies,
        unsubscribed=args.unsubscribed,
        status_callbacks=args.status_callbacks,
        verbose=not args.quiet,
    )
    with fake:
        print(f"fake twilio listening on {fake.base_url}", flush=True)
        while not stop.wait(0.5):  # short waits keep the main thread responsive to signals
            pass
    print(f"fake twilio stopped after {fake.count} messages", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
