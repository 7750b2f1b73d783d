"""POST /twilio/sms as a plain WSGI app: verify the signature, store the SMS, answer.

Every SMS a client sends arrives here, so this path is kept to its work: werkzeug parses
the form (with a size limit), twilio's RequestValidator checks the signature, and one
INSERT stores the SMS for the worker (`inbox.store`). Run as a Flask view it spent more
CPU in Flask's request machinery (contexts, proxies, the Request object, response
processing) than on that work, and on a small server CPU is what caps webhooks per
second. It shares the app's config and engine, and answers exactly as the Flask view did:
403 for a bad or missing signature, 400 that names a missing or malformed field, 405 for
anything but POST, 413 for an oversized body, empty TwiML on success.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.exceptions import (
    Forbidden,
    HTTPException,
    InternalServerError,
    MethodNotAllowed,
)
from werkzeug.formparser import parse_form_data
from werkzeug.wsgi import get_current_url

from bot.models import utcnow
from bot.phones import mask
from bot.services import inbox
from bot.web.twilio import (
    EMPTY_TWIML,
    bad_request_response,
    missing_fields,
    refusal,
    signed_url,
)

log = logging.getLogger(__name__)

MAX_FORM_BYTES = 64 * 1024  # Twilio's form for a 1,600-character SMS is under 10 KB
MAX_SID = 64
_TWIML = EMPTY_TWIML.encode()


class _Refused(Exception):
    """A request answered with an error response (`response`), nothing stored."""

    def __init__(self, response: Callable[..., Iterable[bytes]]) -> None:
        self.response = response


class SmsIntake:
    """The WSGI app behind POST /twilio/sms for one Flask app (its config and engine)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        try:
            self.receive(environ)
        except _Refused as refused:
            return refused.response(environ, start_response)
        except HTTPException as exc:  # 413 from the form parser
            return exc(environ, start_response)
        except Exception as exc:
            if self.app.config.get("PROPAGATE_EXCEPTIONS") or self.app.testing:
                raise  # as Flask does: tests see the error itself
            # The exception's type and where it was raised, not its text: a database
            # error quotes the statement's parameters, which would put the SMS in the log.
            log.error("inbound sms webhook failed: %s\n%s", type(exc).__name__,
                      "".join(traceback.format_tb(exc.__traceback__)))
            return InternalServerError()(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"),
                                  ("Content-Length", str(len(_TWIML)))])
        return [_TWIML]

    def receive(self, environ: dict[str, Any]) -> None:
        """Check and store one inbound SMS; raise `_Refused` to answer with an error."""
        if environ.get("REQUEST_METHOD") != "POST":
            raise _Refused(MethodNotAllowed(valid_methods=["POST"]))
        _stream, form, _files = parse_form_data(environ, max_content_length=MAX_FORM_BYTES)
        self.check_signature(environ, form)
        problem = missing_fields(form, ("MessageSid", "From"))
        if problem:
            _bad_request(problem)
        sid, phone = form["MessageSid"], form["From"]
        if len(sid) > MAX_SID:
            _bad_request(f"MessageSid is longer than {MAX_SID} characters")
        if not sid.isprintable():
            _bad_request("MessageSid contains control characters")
        if not inbox.is_e164(phone):
            _bad_request("From is not an E.164 phone number (+ country code, up to 15 digits)")
        sms = inbox.Inbound(sid=sid, phone=phone, body=form.get("Body", ""))
        stored = inbox.store(self.app.extensions["knuff.engine"], sms, utcnow())
        # DEBUG: this runs for every SMS; the worker logs each message it handles at INFO.
        log.debug("inbound sms %s from %s: %s", sid, mask(phone),
                  "stored" if stored else "duplicate")

    def check_signature(self, environ: dict[str, Any], form) -> None:
        """Refuse (403) a request whose X-Twilio-Signature does not match; log why."""
        config, path = self.app.config, environ["PATH_INFO"]
        url = signed_url(config["PUBLIC_BASE_URL"], get_current_url(environ, host_only=True),
                         path, environ.get("QUERY_STRING", ""))
        reason = refusal(config["TWILIO_AUTH_TOKEN"],
                         environ.get("HTTP_X_TWILIO_SIGNATURE", ""), url, form)
        if reason:
            log.warning("twilio webhook refused: %s for %s", reason, path)
            raise _Refused(Forbidden())


def _bad_request(text: str) -> None:
    raise _Refused(bad_request_response(text))
