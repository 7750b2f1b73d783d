"""A client's SMS arrives: dedupe, keywords, then the waiting flow takes it."""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.engine import match_keyword, message_for
from bot.i18n.languages import LANGUAGES
from bot.models import Alert, Client, ClientStatus, Direction, Message, MessageStatus, UnknownSender
from bot.phones import mask
from bot.services import conversations, outbound
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BODY = 1600  # Twilio's own limit for one message


@dataclass(frozen=True)
class Inbound:
    sid: str
    phone: str  # E.164, as Twilio sends it
    body: str


def receive(db: so.Session, rt: Runtime, sms: Inbound, now: datetime) -> str:
    """Handle one inbound SMS in the caller's transaction; returns what happened (for logs).

    A MessageSid seen before changes nothing: Twilio retries webhooks.
    """
    if db.scalar(sa.select(Message.id).where(Message.provider_sid == sms.sid)) is not None:
        return "duplicate"
    client = db.scalar(
        sa.select(Client).where(Client.phone == sms.phone)
        .options(so.joinedload(Client.case_manager))
    )
    if client is None:
        return _from_unknown(db, rt, sms, now)
    body = sms.body[:MAX_BODY]
    db.add(Message(client_id=client.id, direction=Direction.IN, body=body,
                   status=MessageStatus.RECEIVED, provider_sid=sms.sid, created_at=now,
                   updated_at=now))
    keyword = match_keyword(body, client.language)
    if keyword == "stop":
        return _stop(db, rt, client, now)
    if keyword == "start":
        return _start(db, rt, client, now)
    if client.status is ClientStatus.STOPPED:
        return "stopped-client"  # kept for the case manager; nothing is sent back
    enrollment = conversations.awaiting_reply(db, client)
    if keyword and not (enrollment and conversations.selects_choice(rt, enrollment, body)):
        return _keyword(db, rt, client, keyword, now)
    if enrollment is None:
        db.add(Alert(client_id=client.id, reason="message", created_at=now,
                     note="The client wrote outside a conversation."))
        _system(db, rt, client, "received", now)
        return "unprompted"
    conversations.take_reply(db, rt, enrollment, body, now)
    return "reply"


def _keyword(db: so.Session, rt: Runtime, client: Client, keyword: str, now: datetime) -> str:
    """HJÄLP and SPRÅK start their menus; TOLK tells the case manager at once."""
    if keyword == "interpreter":
        name = LANGUAGES[client.language].swedish if client.language in LANGUAGES else "?"
        db.add(Alert(client_id=client.id, reason="interpreter", created_at=now,
                     answer={"language": client.language},
                     note=f"The client asks for an interpreter ({name}) at the next meeting."))
        _system(db, rt, client, "interpreter", now)
    else:
        flow = {"help": "help", "language": "language"}[keyword]
        conversations.start_now(db, rt, client, flow, now, by="client", reply=True)
    return keyword


def _stop(db: so.Session, rt: Runtime, client: Client, now: datetime) -> str:
    for enrollment in conversations.open_enrollments(db, client):
        conversations.stop(db, enrollment)
    was_active = client.status is ClientStatus.ACTIVE
    client.status = ClientStatus.STOPPED
    if was_active:
        db.add(Alert(client_id=client.id, reason="opt_out", created_at=now,
                     note="The client wrote STOPP. Knuff sends nothing until they write START."))
        _system(db, rt, client, "stopped", now, force=True)
    return "stop"


def _start(db: so.Session, rt: Runtime, client: Client, now: datetime) -> str:
    client.status = ClientStatus.ACTIVE
    _system(db, rt, client, "started", now)
    return "start"


def _system(db: so.Session, rt: Runtime, client: Client, step: str, now: datetime, *,
            force: bool = False) -> None:
    out = message_for(rt.flow("system"), step, conversations.client_params(client))
    outbound.queue(db, rt, client, out, now=now, reply=True, force=force)


def _from_unknown(db: so.Session, rt: Runtime, sms: Inbound, now: datetime) -> str:
    """A number that is not a client: one neutral reply a day, and nothing of theirs kept."""
    db.add(Message(direction=Direction.IN, status=MessageStatus.RECEIVED, provider_sid=sms.sid,
                   created_at=now, updated_at=now))
    digest = hmac.new(rt.secret.encode(), sms.phone.encode(), hashlib.sha256).hexdigest()
    today = now.astimezone(rt.tz).date()
    seen = db.get(UnknownSender, digest, with_for_update=True)
    if seen is not None and seen.last_reply_on >= today:
        return "unknown-quiet"
    if seen is None:
        db.add(UnknownSender(phone_hash=digest, last_reply_on=today))
    else:
        seen.last_reply_on = today
    flow = rt.flow("unknown_number")
    outbound.queue_to_number(db, rt, sms.phone, message_for(flow, flow.start, {}), now=now)
    log.info("inbound from unknown number %s", mask(sms.phone))
    return "unknown"
