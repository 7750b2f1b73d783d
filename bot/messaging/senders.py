"""Senders: the one place an SMS leaves Knuff.

The outbound path talks to a `Sender`; `make_sender` picks Twilio when credentials are
configured and the console otherwise, so local development never needs an account.
Message bodies are personal data: senders never pass them to `logging`.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TextIO, runtime_checkable

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

# HTTP statuses that say "try again later" rather than "this message is wrong".
# 401/403 mean our credentials or account are wrong, which is no fault of the message:
# it should go out once the configuration is fixed.
_RETRYABLE_STATUSES = {401, 403, 408, 409, 425, 429}
_PHONE = re.compile(r"\+?\d{7,15}")


@dataclass(frozen=True)
class SendResult:
    """What the provider said: its id for the message and the message's first status."""

    provider_id: str
    status: str


class SendError(Exception):
    """A message could not be handed to the provider.

    `permanent` is True when retrying cannot help (unsubscribed or invalid number);
    `code` is Twilio's error code when it gave one, `status` the HTTP status if any.
    `maybe_sent` is True when the request may have reached Twilio before failing (a read
    timeout, a dropped connection): Twilio has no idempotency key, so such a message must
    not be retried blindly.
    """

    def __init__(
        self, message: str, *, permanent: bool, code: int | None = None,
        status: int | None = None, maybe_sent: bool = False,
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code
        self.status = status
        self.maybe_sent = maybe_sent


@runtime_checkable
class Sender(Protocol):
    """Anything that can hand one SMS to a provider."""

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Send `body` to the E.164 number `to`; raise SendError when it cannot."""
        ...


def mask_number(number: str) -> str:
    """Hide the middle of a phone number for logs: +46701234567 -> +4670*****67."""
    if len(number) < 8:
        return "*" * max(len(number) - 2, 0) + number[-2:]
    return number[:5] + "*" * (len(number) - 7) + number[-2:]


class ConsoleSender:
    """Development sender: prints each message as one line instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Print the masked number and the body (JSON-quoted, so it stays on one line)."""
        provider_id = f"console-{uuid.uuid4().hex}"
        line = (
            f"[sms] {provider_id} to={mask_number(to)} body={json.dumps(body, ensure_ascii=False)}"
        )
        stream = self._stream or sys.stdout
        with self._lock:
            stream.write(line + "\n")
            stream.flush()
        return SendResult(provider_id, "sent")


class TwilioSender:
    """Sends through Twilio's Messages API with one long-lived client.

    The SDK keeps a requests session; reusing it keeps connections alive, which is most
    of the cost of a send. `base_url` points the SDK at another host (a local fake);
    `pool_size` should be at least the number of threads sending at once.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        base_url: str | None = None,
        timeout: float = 10,
        pool_size: int = 32,
    ) -> None:
        if bool(from_number) == bool(messaging_service_sid):
            raise ValueError("TwilioSender needs exactly one of from_number, messaging_service_sid")
        # Proxy and CA settings are read from the environment once, here: requests would
        # otherwise scan every environment variable on every send (twice, in the SDK).
        target = base_url or "https://api.twilio.com"
        http_client = TwilioHttpClient(timeout=timeout,
                                       proxy=requests.utils.get_environ_proxies(target) or None)
        session = http_client.session
        if session is not None:
            session.trust_env = False
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or \
                os.environ.get("CURL_CA_BUNDLE") or True
            # One pooled connection per concurrent sending thread; the SDK's default
            # (cpu count + 4, https only) makes busy workers reconnect over and over.
            for scheme in ("http://", "https://"):
                session.mount(scheme, HTTPAdapter(pool_maxsize=pool_size))
        self._client = Client(account_sid, auth_token, http_client=http_client)
        if base_url:
            self._client.api.base_url = base_url
        self._sender: dict[str, Any] = (
            {"from_": from_number}
            if from_number
            else {"messaging_service_sid": messaging_service_sid}
        )

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        """Create the message at Twilio; map its errors and network failures to SendError."""
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self._client.messages.create(to=to, body=body, **self._sender, **extra)
        except TwilioException as exc:
            raise _from_twilio(exc) from exc
        except requests.ConnectTimeout as exc:  # never connected: nothing was sent
            raise SendError(
                f"could not connect to Twilio: {type(exc).__name__}", permanent=False
            ) from exc
        except requests.RequestException as exc:
            raise SendError(
                f"network error talking to Twilio: {type(exc).__name__}", permanent=False,
                maybe_sent=not isinstance(exc, requests.exceptions.InvalidURL),
            ) from exc
        return SendResult(str(message.sid), str(message.status))

    def close(self) -> None:
        """Close the pooled connections."""
        session = getattr(self._client.http_client, "session", None)
        if session is not None:
            session.close()

    def __enter__(self) -> TwilioSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _from_twilio(exc: TwilioException) -> SendError:
    """Classify a Twilio error: 4xx is the message's fault (permanent), the rest is not."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    # Without a Twilio code in the body the SDK reports the HTTP status as the code.
    code = code if isinstance(code, int) and code >= 10000 else None
    text = getattr(exc, "msg", None) or getattr(exc, "detail", None) or type(exc).__name__
    text = _PHONE.sub(lambda m: mask_number(m.group()), str(text))
    permanent = isinstance(status, int) and 400 <= status < 500
    permanent = permanent and status not in _RETRYABLE_STATUSES
    label = f"Twilio error {code}" if code else "Twilio error"
    return SendError(
        f"{label} (HTTP {status}): {text}", permanent=permanent, code=code, status=status
    )


def make_sender(config: Mapping[str, Any]) -> Sender:
    """Choose the sender from settings: Twilio when credentials are set, else the console."""
    sid = config.get("TWILIO_ACCOUNT_SID") or None
    token = config.get("TWILIO_AUTH_TOKEN") or None
    if sid is None and token is None:
        return ConsoleSender()
    if sid is None or token is None:
        raise ValueError("set both TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or neither")
    if bool(config.get("TWILIO_FROM")) == bool(config.get("TWILIO_MESSAGING_SERVICE_SID")):
        raise ValueError(
            "with Twilio, set exactly one of TWILIO_FROM, TWILIO_MESSAGING_SERVICE_SID"
        )
    return TwilioSender(
        sid,
        token,
        from_number=config.get("TWILIO_FROM") or None,
        messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID") or None,
        base_url=config.get("TWILIO_API_BASE_URL") or None,
    )
