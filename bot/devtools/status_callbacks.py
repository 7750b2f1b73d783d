"""Signed delivery-status callbacks for the fake Twilio, posted from a background thread.

After accepting a message with a StatusCallback URL, real Twilio later POSTs
`MessageStatus=sent` and then `delivered` to it, signed with X-Twilio-Signature. Doing
the same lets end-to-end tests drive Knuff's /twilio/status handler for real.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

_STOP = None


class StatusCallbacks:
    """A queue of callbacks and the one thread that posts them, in order."""

    def __init__(
        self,
        auth_token: str,
        *,
        delay: float = 0.05,
        statuses: tuple[str, ...] = ("sent", "delivered"),
    ) -> None:
        from twilio.request_validator import RequestValidator  # only this mode needs twilio

        self._validator = RequestValidator(auth_token)
        self._delay = delay  # Twilio never calls back the instant it answers
        self._statuses = statuses
        self._queue: queue.Queue[tuple | None] = queue.Queue()
        self._lock = threading.Lock()
        self._posted: list[dict[str, Any]] = []
        self._thread = threading.Thread(target=self._run, name="fake-twilio-callbacks")
        self._thread.daemon = True
        self._thread.start()

    @property
    def posted(self) -> list[dict[str, Any]]:
        """Each callback posted: url, params, and the HTTP status answered (None if none)."""
        with self._lock:
            return list(self._posted)

    def schedule(
        self, url: str, message: dict[str, Any], set_status: Callable[[str, str], None]
    ) -> None:
        """Queue the status callbacks for `message`; `set_status` records each new status."""
        self._queue.put((time.monotonic() + self._delay, url, dict(message), set_status))

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until every queued callback was posted; False if `timeout` ran out."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        """Post what is queued, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                due, url, message, set_status = item
                time.sleep(max(0.0, due - time.monotonic()))
                for status in self._statuses:
                    set_status(message["sid"], status)
                    self._post(url, _params(message, status))
            finally:
                self._queue.task_done()

    def _post(self, url: str, params: dict[str, str]) -> None:
        signature = self._validator.compute_signature(url, params)
        request = Request(
            url,
            data=urlencode(params).encode(),
            headers={
                "X-Twilio-Signature": signature,
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1",
            },
            method="POST",
        )
        answered: int | None = None
        try:
            with urlopen(request, timeout=5) as response:
                response.read()
                answered = response.status
        except HTTPError as exc:
            answered = exc.code
            exc.close()
        except (URLError, OSError):
            answered = None
        with self._lock:
            self._posted.append({"url": url, "params": params, "status": answered})


def _params(message: dict[str, Any], status: str) -> dict[str, str]:
    """The form fields Twilio sends with a message status callback."""
    params = {
        "AccountSid": message["account_sid"],
        "ApiVersion": "2010-04-01",
        "MessageSid": message["sid"],
        "SmsSid": message["sid"],
        "MessageStatus": status,
        "SmsStatus": status,
        "To": message["to"],
    }
    if message.get("from"):
        params["From"] = message["from"]
    if message.get("messaging_service_sid"):
        params["MessagingServiceSid"] = message["messaging_service_sid"]
    return params
