"""A client's SMS arrives: stored at once by the webhook, handled by the worker.

The split RapidPro calls courier and mailroom. The webhook only `store`s the raw SMS (one
INSERT, deduped on MessageSid) and answers Twilio; the worker's `handle_pending` claims
stored (`received`) messages and runs `handle`: client lookup, keywords, then the waiting
flow, marking the message `handled`. `receive` does both at once (simulator, tests).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import traceback
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

from bot.engine import match_keyword, message_for
from bot.models import Alert, Client, ClientStatus, Direction, Message, MessageStatus, UnknownSender
from bot.phones import mask
from bot.services import alerts, conversations, inbox, outbound
from bot.services.inbox import Inbound, is_e164  # noqa: F401 (callers use inbound.Inbound)
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # a message whose handling fails this often is given up, with an alert

# The webhook stores through `inbox.store` (straight to the driver); this module's `store`
# does the same inside a caller's SQLAlchemy transaction (simulator, tests).
_messages = Message.__table__
_INSERT = {
    name: dialect.insert(_messages).on_conflict_do_nothing(index_elements=["provider_sid"])
    .returning(_messages.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def store(db: sa.Connection | so.Session, sms: Inbound, now: datetime) -> bool:
    """Store one inbound SMS as `received` with a single INSERT; False for a MessageSid
    seen before (Twilio retries webhooks), which changes nothing."""
    return _insert(db, sms, now) is not None


def _insert(db: sa.Connection | so.Session, sms: Inbound, now: datetime) -> int | None:
    row = inbox.row(sms, now)
    dialect = db.get_bind().dialect.name if isinstance(db, so.Session) else db.dialect.name
    stmt = _INSERT.get(dialect)
    if stmt is not None:
        return db.execute(stmt, row).scalar()
    try:  # another database: the unique constraint decides, in a savepoint
        with db.begin_nested():
            return db.execute(sa.insert(_messages).returning(_messages.c.id), row).scalar()
    except sa.exc.IntegrityError:
        return None


def receive(db: so.Session, rt: Runtime, sms: Inbound, now: datetime) -> str:
    """Store and handle one inbound SMS at once, in the caller's transaction; returns what
    happened (for logs). A MessageSid seen before changes nothing."""
    message_id = _insert(db, sms, now)
    if message_id is None:
        return "duplicate"
    return handle(db, rt, db.get_one(Message, message_id), now)


# --- the worker's part: handle stored messages ------------------------------------------

def handle_pending(db: so.Session, rt: Runtime, now: datetime, limit: int = 200) -> int:
    """Handle up to `limit` stored inbound messages, oldest first, and commit; returns how
    many were processed (handled, or failed once more).

    Rows are claimed FOR UPDATE SKIP LOCKED, so workers take disjoint ones. Each message
    runs in its own savepoint: one that fails is retried on later ticks and given up
    (handled, with an alert) after MAX_ATTEMPTS. A message waits while an older one from
    the same number is still `received`, so a client's messages are handled in order.
    """
    processed = 0
    for message in claim_pending(db, limit):
        if waits_for_older(db, message):
            continue  # left `received`: a later tick takes it after the older one
        processed += 1
        try:
            with db.begin_nested():
                outcome = handle(db, rt, message, now)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the rest
            _failed(db, message, exc, now)
        else:
            log.info("inbound message %d: %s", message.id, outcome)
    db.commit()
    return processed


def claim_pending(db: so.Session, limit: int) -> list[Message]:
    """Lock up to `limit` stored inbound messages, oldest first, for this worker alone
    (SKIP LOCKED on PostgreSQL; on SQLite the transaction holds the write lock)."""
    return list(db.scalars(
        sa.select(Message)
        .where(Message.direction == Direction.IN, Message.status == MessageStatus.RECEIVED)
        .order_by(Message.id).limit(limit)
        .with_for_update(skip_locked=True)
    ))


def waits_for_older(db: so.Session, message: Message) -> bool:
    """True when an older message from the same number is still waiting to be handled."""
    return db.scalar(
        sa.select(Message.id).where(
            Message.direction == Direction.IN, Message.status == MessageStatus.RECEIVED,
            Message.phone == message.phone, Message.id < message.id,
        ).limit(1)
    ) is not None


def _failed(db: so.Session, message: Message, exc: Exception, now: datetime) -> None:
    """Count a failed attempt; after MAX_ATTEMPTS give the message up, never silently.

    The log names the exception's type and where it was raised, not its text: database
    errors quote the statement's parameters, which would put the SMS body in the log.
    """
    message.attempts += 1  # the savepoint rolled back: this reloads the stored row
    message.updated_at = now
    where = "".join(traceback.format_tb(exc.__traceback__))
    log.error("inbound message %d from %s failed (attempt %d of %d): %s\n%s", message.id,
              mask(message.phone), message.attempts, MAX_ATTEMPTS, type(exc).__name__, where)
    if message.attempts < MAX_ATTEMPTS:
        return
    message.status = MessageStatus.HANDLED
    client_id = db.scalar(sa.select(Client.id).where(Client.phone == message.phone))
    if client_id is None:
        log.error("inbound message %d from unknown number %s given up after %d attempts; "
                  "nothing of it is kept", message.id, mask(message.phone), MAX_ATTEMPTS)
        message.body = message.phone = None
        return
    message.client_id, message.phone = client_id, None
    alerts.raise_alert(db, client_id, "inbound_failed", data={"attempts": message.attempts},
                       now=now)


def handle(db: so.Session, rt: Runtime, message: Message, now: datetime) -> str:
    """Take one stored inbound message forward and mark it `handled`; returns what
    happened (for logs). A client's message is tied to them (the number is not kept on
    it); of an unknown number's message nothing is kept once the neutral reply is queued.
    """
    client = db.scalar(
        sa.select(Client).where(Client.phone == message.phone)
        .options(so.joinedload(Client.case_manager))
    )
    if client is None:
        outcome = _from_unknown(db, rt, message.phone, now)
        message.body = message.phone = None
    else:
        message.client_id, message.phone = client.id, None
        outcome = _from_client(db, rt, client, message.body or "", now)
    message.status = MessageStatus.HANDLED
    message.updated_at = now
    return outcome


def _from_client(db: so.Session, rt: Runtime, client: Client, body: str, now: datetime) -> str:
    keyword = match_keyword(body, client.language)
    if keyword == "stop":
        return _stop(db, rt, client, now)
    if keyword == "start":
        return _start(db, rt, client, now)
    if client.status is ClientStatus.STOPPED:
        return "stopped-client"  # kept for the case manager; nothing is sent back
    enrollment = conversations.awaiting_reply(db, client)
    if keyword and not (enrollment and conversations.selects_choice(db, rt, enrollment, body)):
        return _keyword(db, rt, client, keyword, now)
    if enrollment is None:
        alerts.raise_alert(db, client.id, "message", now=now)  # outside a conversation
        _system(db, rt, client, "received", now)
        return "unprompted"
    conversations.take_reply(db, rt, enrollment, body, now)
    return "reply"


def keyword_flow(rt: Runtime, keyword: str) -> str | None:
    """The flow a client keyword starts: the one whose trigger names it, else the flow
    with the keyword's own name (help, language, interpreter, absence), if installed."""
    for flow in rt.flows.values():
        if flow.trigger is not None and flow.trigger.keyword == keyword:
            return flow.id
    return keyword if keyword in rt.flows else None


def _keyword(db: so.Session, rt: Runtime, client: Client, keyword: str, now: datetime) -> str:
    """HJÄLP, SPRÅK, TOLK and FRÅNVARO start their flows. Without the TOLK or FRÅNVARO
    flow installed, the case manager is told at once instead."""
    flow_id = keyword_flow(rt, keyword)
    if flow_id is None and keyword in ("interpreter", "absence"):
        _tell_case_manager(db, rt, client, keyword, now)
        return keyword
    if flow_id is None:
        raise LookupError(f"no flow starts with the keyword {keyword!r}")
    enrollment = conversations.start_now(db, rt, client, flow_id, now, by="client",
                                         reply=True)
    if keyword == "interpreter":  # the flow's alert carries no client data: add the language
        db.flush()
        for alert in db.scalars(sa.select(Alert).where(
                Alert.enrollment_id == enrollment.id, Alert.reason == "interpreter")):
            alert.data = {**(alert.data or {}), "language": client.language}
    return keyword


def _tell_case_manager(db: so.Session, rt: Runtime, client: Client, keyword: str,
                       now: datetime) -> None:
    """TOLK or FRÅNVARO when their flow is not installed: an alert and a confirmation."""
    if keyword == "interpreter":
        alerts.raise_alert(db, client.id, "interpreter", data={"language": client.language},
                           now=now)
        _system(db, rt, client, "interpreter", now)
    else:
        alerts.raise_alert(db, client.id, "absence", now=now)
        _system(db, rt, client, "received", now)


def _stop(db: so.Session, rt: Runtime, client: Client, now: datetime) -> str:
    for enrollment in conversations.open_enrollments(db, client):
        conversations.stop(db, enrollment)
    was_active = client.status is ClientStatus.ACTIVE
    client.status, client.stopped_by = ClientStatus.STOPPED, "client"
    if was_active:
        alerts.raise_alert(db, client.id, "opt_out", now=now)
        _system(db, rt, client, "stopped", now, force=True)
    return "stop"


def _start(db: so.Session, rt: Runtime, client: Client, now: datetime) -> str:
    if client.status is ClientStatus.STOPPED and client.stopped_by == "staff":
        # Staff stopped the messages (a closed case, a wrong number): only staff resume.
        alerts.raise_alert(db, client.id, "message", data={"cause": "start_staff_stopped"},
                           now=now)
        return "start-staff-stopped"
    client.status, client.stopped_by = ClientStatus.ACTIVE, None
    _system(db, rt, client, "started", now)
    return "start"


def _system(db: so.Session, rt: Runtime, client: Client, step: str, now: datetime, *,
            force: bool = False) -> None:
    out = message_for(rt.flow("system"), step, conversations.client_params(client))
    outbound.queue(db, rt, client, out, now=now, reply=True, force=force)


def _from_unknown(db: so.Session, rt: Runtime, phone: str, now: datetime) -> str:
    """A number that is not a client: one neutral reply a day, and nothing of theirs kept
    (the caller clears the message; the number is known only as a keyed hash)."""
    digest = hmac.new(rt.secret.encode(), phone.encode(), hashlib.sha256).hexdigest()
    today = now.astimezone(rt.tz).date()
    seen = db.get(UnknownSender, digest, with_for_update=True)
    if seen is not None and seen.last_reply_on >= today:
        return "unknown-quiet"
    if seen is None:
        db.add(UnknownSender(phone_hash=digest, last_reply_on=today))
    else:
        seen.last_reply_on = today
    flow = rt.flow("unknown_number")
    outbound.queue_to_number(db, rt, phone, message_for(flow, flow.start, {}), now=now)
    log.info("inbound from unknown number %s", mask(phone))
    return "unknown"
