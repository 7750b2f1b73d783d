"""Twilio webhooks: verify the signature, parse, call a service, answer with empty TwiML."""

from __future__ import annotations

import functools
import logging

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator

from bot import db
from bot.models import utcnow
from bot.phones import mask
from bot.services import inbound, status
from bot.services.runtime import runtime

bp = Blueprint("twilio", __name__, url_prefix="/twilio")
log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_url() -> str:
    """The URL Twilio signed: PUBLIC_BASE_URL when behind a proxy that rewrites it."""
    base = current_app.config["PUBLIC_BASE_URL"] or request.host_url.rstrip("/")
    query = request.query_string.decode()
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def twilio_signed(view):
    """Refuse (403) any request whose X-Twilio-Signature does not match; change nothing."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        token = current_app.config["TWILIO_AUTH_TOKEN"]
        signature = request.headers.get("X-Twilio-Signature", "")
        if not token or not signature:
            log.warning("twilio webhook refused: %s", "no auth token configured" if not token
                        else "unsigned request")
            abort(403)
        if not RequestValidator(token).validate(signed_url(), request.form, signature):
            log.warning("twilio webhook refused: bad signature for %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def twiml() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")


def required(*names: str) -> dict[str, str]:
    """Form fields a webhook cannot work without; a clear 400 names the missing ones."""
    missing = [n for n in names if not request.form.get(n)]
    if missing:
        abort(Response(f"missing form field(s): {', '.join(missing)}\n", 400,
                       mimetype="text/plain"))
    return {n: request.form[n] for n in names}


@bp.post("/sms")
@twilio_signed
def sms() -> Response:
    fields = required("MessageSid", "From")
    sms = inbound.Inbound(sid=fields["MessageSid"], phone=fields["From"],
                          body=request.form.get("Body", ""))
    session = db.session()
    try:
        outcome = inbound.receive(session, runtime(), sms, utcnow())
        session.commit()
    except sa.exc.IntegrityError:
        # The same MessageSid delivered twice at once: the other request handled it.
        session.rollback()
        outcome = "duplicate"
    log.info("inbound sms %s from %s: %s", sms.sid, mask(sms.phone), outcome)
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
