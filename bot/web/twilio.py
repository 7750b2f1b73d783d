"""Twilio webhooks: the signature check both share, and the status callback.

POST /twilio/sms, the hot path, is a plain WSGI app (`intake.SmsIntake`) that uses the
same check; POST /twilio/status is a Flask view on the machines' app (`machine.mount`).
"""

from __future__ import annotations

import functools
import hmac
import logging
from typing import NoReturn

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from bot import db
from bot.models import utcnow
from bot.services import status

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_url(public_base: str, host_url: str, path: str, query: str) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL when set (behind a proxy that rewrites it),
    otherwise the URL as the request reached the app (after ProxyFix)."""
    base = public_base or host_url.rstrip("/")
    return f"{base}{path}" + (f"?{query}" if query else "")


@functools.lru_cache(maxsize=8)
def validator_for(token: str) -> RequestValidator:
    """Built once per auth token (it does not change at runtime; tests may change it)."""
    return RequestValidator(token)


def valid_signature(check: RequestValidator, url: str, form, signature: str) -> bool:
    """Twilio's check, with the common case first: the URL exactly as signed (one HMAC).
    `RequestValidator.validate` then also tries the URL with and without its port."""
    expected = check.compute_signature(url, form)
    if hmac.compare_digest(expected.encode(), signature.encode()):
        return True
    return check.validate(url, form, signature)


def refusal(token: str, signature: str, url: str, form) -> str | None:
    """Why a webhook must be refused with 403 (for the log), or None: Twilio signed it."""
    if not token:
        return "no auth token configured"
    if not signature:
        return "unsigned request"
    if not valid_signature(validator_for(token), url, form, signature):
        return "bad signature"
    return None


def twilio_signed(view):
    """Refuse (403) any request whose X-Twilio-Signature does not match; change nothing."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        config, req = current_app.config, request._get_current_object()
        url = signed_url(config["PUBLIC_BASE_URL"], req.host_url, req.path,
                         req.query_string.decode())
        reason = refusal(config["TWILIO_AUTH_TOKEN"], req.headers.get("X-Twilio-Signature", ""),
                         url, req.form)
        if reason:
            log.warning("twilio webhook refused: %s for %s", reason, req.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def missing_fields(form, names: tuple[str, ...]) -> str | None:
    """What a 400 says when form fields a webhook cannot work without are empty, or None."""
    missing = [n for n in names if not form.get(n)]
    return f"missing form field(s): {', '.join(missing)}" if missing else None


def bad_request_response(text: str) -> Response:
    """A 400 that says what is wrong, in plain text."""
    return Response(f"{text}\n", 400, mimetype="text/plain")


def required(*names: str) -> dict[str, str]:
    """Form fields a webhook cannot work without; a clear 400 names the missing ones."""
    problem = missing_fields(request.form, names)
    if problem:
        bad_request(problem)
    return {n: request.form[n] for n in names}


def bad_request(text: str) -> NoReturn:
    abort(bad_request_response(text))


@bp.post("/status")
@twilio_signed
def status_callback() -> Response:
    fields = required("MessageSid", "MessageStatus")
    session = db.session()
    outcome = status.record(session, fields["MessageSid"], fields["MessageStatus"],
                            request.form.get("ErrorCode") or None, utcnow())
    session.commit()
    log.info("status %s for %s: %s", fields["MessageStatus"], fields["MessageSid"], outcome)
    return Response("", 204)
