"""Twilio webhooks: verify the signature, parse, call a service, answer with empty TwiML."""

from __future__ import annotations

import functools
import hmac
import logging
from typing import NoReturn

from flask import Blueprint, Request, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from bot import db
from bot.models import utcnow
from bot.phones import mask
from bot.services import inbox, status

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_url(req: Request, public_base: str) -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL when behind a proxy that rewrites it."""
    base = public_base or req.host_url.rstrip("/")
    query = req.query_string.decode()
    return f"{base}{req.path}" + (f"?{query}" if query else "")


def validator() -> RequestValidator:
    """The app's RequestValidator, built once (the auth token does not change at runtime)."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    cached = current_app.extensions.get("knuff.twilio_validator")
    if cached is None or cached[0] != token:
        cached = current_app.extensions["knuff.twilio_validator"] = (token, RequestValidator(token))
    return cached[1]


def valid_signature(url: str, form, signature: str) -> bool:
    """Twilio's check, with the common case first: the URL exactly as signed (one HMAC).
    `RequestValidator.validate` then also tries the URL with and without its port."""
    check = validator()
    expected = check.compute_signature(url, form)
    if hmac.compare_digest(expected.encode(), signature.encode()):
        return True
    return check.validate(url, form, signature)


def twilio_signed(view):
    """Refuse (403) any request whose X-Twilio-Signature does not match; change nothing."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        config, req = current_app.config, request._get_current_object()
        token = config["TWILIO_AUTH_TOKEN"]
        signature = req.headers.get("X-Twilio-Signature", "")
        if not token or not signature:
            log.warning("twilio webhook refused: %s", "no auth token configured" if not token
                        else "unsigned request")
            abort(403)
        if not valid_signature(signed_url(req, config["PUBLIC_BASE_URL"]), req.form, signature):
            log.warning("twilio webhook refused: bad signature for %s", req.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")


def required(*names: str) -> dict[str, str]:
    """Form fields a webhook cannot work without; a clear 400 names the missing ones."""
    missing = [n for n in names if not request.form.get(n)]
    if missing:
        bad_request(f"missing form field(s): {', '.join(missing)}")
    return {n: request.form[n] for n in names}


def bad_request(text: str) -> NoReturn:
    abort(Response(f"{text}\n", 400, mimetype="text/plain"))


@bp.post("/sms")
@twilio_signed
def sms() -> Response:
    """Store the SMS with one INSERT and answer at once; the worker handles it (within its
    tick interval): client lookup, keywords and flows stay off this path."""
    fields = required("MessageSid", "From")
    if len(fields["MessageSid"]) > 64:
        bad_request("MessageSid is longer than 64 characters")
    if not inbox.is_e164(fields["From"]):
        bad_request("From is not an E.164 phone number (+ country code, up to 15 digits)")
    sms = inbox.Inbound(sid=fields["MessageSid"], phone=fields["From"],
                        body=request.form.get("Body", ""))
    stored = inbox.store(db.engine(), sms, utcnow())
    # DEBUG: this runs for every SMS; the worker logs each message it handles at INFO.
    log.debug("inbound sms %s from %s: %s", sms.sid, mask(sms.phone),
              "stored" if stored else "duplicate")
    return twiml()


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
