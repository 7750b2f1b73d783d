"""The one outbound path: every SMS Knuff sends is queued and delivered here.

`queue` checks opt-out and quiet hours, resolves the language, renders, counts segments
and persists; `deliver_due` claims queued rows, sends them and stores the provider id.
Nothing else talks to a Sender.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from queue import Empty, SimpleQueue

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask

from bot.engine import OutMessage
from bot.i18n.catalog import resolve
from bot.i18n.languages import SOURCE
from bot.i18n.render import render
from bot.messaging import quiet_hours as quiet
from bot.messaging.segments import SegmentCount, count_segments, gsm_safe
from bot.messaging.senders import SendError, SendResult
from bot.models import Alert, Client, ClientStatus, Direction, Message, MessageStatus
from bot.phones import mask
from bot.services import alerts, batch
from bot.services.approvals import approved_texts
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=15)  # > a claimed batch at worst-case timeouts


@dataclass(frozen=True)
class Composed:
    """One SMS as it goes out: the text in each language it carries, and the whole."""

    blocks: list[tuple[str, str]]  # (rendered text, language code)
    body: str
    language: str  # the language chosen for the client
    fallback_from: str | None  # the client's language, when no approved text was there
    count: SegmentCount


def compose(db: so.Session, rt: Runtime, client: Client, out: OutMessage) -> Composed:
    """The message in the language resolved now: the client's when every part of it is
    interpreter-approved, else easy Swedish (with English after it when the client asked);
    in bilingual mode the easy Swedish follows the client's language, for learning (SFI).
    The staff app's preview shows exactly this."""
    approved = approved_texts(db, rt.flows)
    chosen = resolve(out, client.language, approved)
    parts = [(chosen.template, chosen.language)]
    if chosen.fallback_from and client.fallback_english:
        english = resolve(out, "en", approved)
        if english.fallback_from is None:
            parts.append((english.template, "en"))
    if client.bilingual and chosen.language != SOURCE:
        parts.append((out.template, SOURCE))
    blocks = [(gsm_safe(render(template, out.params, language, rt.tz)), language)
              for template, language in parts]
    body = "\n\n".join(text for text, _language in blocks)
    return Composed(blocks, body, chosen.language, chosen.fallback_from, count_segments(body))


def queue(db: so.Session, rt: Runtime, client: Client, out: OutMessage, *, now: datetime,
          enrollment_id: int | None = None, reply: bool = False, force: bool = False
          ) -> Message | None:
    """Persist one message for `client` in the outbox, in the language resolved now.

    `reply` marks an answer to the client's own SMS: it is not held for quiet hours; other
    messages wait for the end of the client's own quiet hours, or the service's.
    `force` sends even to a stopped client (only the STOPP confirmation does this).
    Returns the new message; inside `batch.collected_inserts` (the worker's batch of fires)
    it is kept as a row for the batch's one insert, and None is returned.
    """
    chosen = compose(db, rt, client, out)
    if chosen.fallback_from:
        _fallback_alert(db, client, chosen.fallback_from, now)
    count = chosen.count
    stopped = client.status is ClientStatus.STOPPED and not force
    hours = quiet.for_client(rt.quiet, client.quiet_hours)
    return batch.add(db, Message, dict(
        client_id=client.id, enrollment_id=enrollment_id, direction=Direction.OUT, key=out.key,
        body=chosen.body, language=chosen.language, fallback_from=chosen.fallback_from,
        encoding=count.encoding, segments=count.segments,
        status=MessageStatus.SUPPRESSED if stopped else MessageStatus.QUEUED,
        send_after=now if reply or force else hours.next_allowed(now),
        created_at=now, updated_at=now,
    ))


def _fallback_alert(db: so.Session, client: Client, language: str, now: datetime) -> None:
    """Tell the case manager once (until handled) that a client gets Swedish instead.
    Collected per transaction and written in one go when it commits (`init_app`)."""
    db.info.setdefault("fallback_pending", {}).setdefault(client.id, (language, now))


def _write_fallback_alerts(db: so.Session) -> None:
    pending = db.info.pop("fallback_pending", None)
    if not pending:
        return
    already = set(db.scalars(sa.select(Alert.client_id).where(
        Alert.client_id.in_(pending), Alert.reason == "fallback", Alert.handled_at.is_(None))))
    rows = [{"client_id": client_id, "reason": "fallback", "created_at": now,
             "answer": {"language": language},
             "note": f"No approved {language} text yet: the client gets easy Swedish."}
            for client_id, (language, now) in pending.items() if client_id not in already]
    if rows:
        db.execute(sa.insert(Alert), rows)  # one executemany, no ids fetched back


def init_app(app: Flask) -> None:
    """Write collected fallback alerts just before each of the app's sessions commits."""
    sa.event.listen(app.extensions["knuff.sessionmaker"], "before_commit",
                    _write_fallback_alerts)


def queue_to_number(db: so.Session, rt: Runtime, phone: str, out: OutMessage, *,
                    now: datetime) -> Message:
    """Queue a Swedish reply to a number that is not a client (kept only until sent)."""
    body = gsm_safe(render(out.template, out.params, "sv", rt.tz))
    count = count_segments(body)
    msg = Message(
        phone=phone, direction=Direction.OUT, key=out.key, body=body, language="sv",
        encoding=count.encoding, segments=count.segments, status=MessageStatus.QUEUED,
        send_after=now, created_at=now, updated_at=now,
    )
    db.add(msg)
    return msg


@dataclass(frozen=True)
class Outgoing:
    """A claimed message as plain values: delivery runs once per SMS and stays in Core."""

    id: int
    to: str
    body: str
    attempts: int
    suppressed: bool  # the client stopped messages after it was queued


_MESSAGES = Message.__table__
# Parameter names differ from column names: a statement would otherwise also SET every
# column whose name is a key of the parameters (which the combined statement shares).
_MARK = _MESSAGES.update().where(_MESSAGES.c.id == sa.bindparam("mid")).values(
    status=sa.bindparam("mark"), updated_at=sa.bindparam("at"), attempts=sa.bindparam("tries"))
_SENT = _MESSAGES.update().where(_MESSAGES.c.id == sa.bindparam("sent_id")).values(
    status=sa.bindparam("result"), provider_sid=sa.bindparam("sid"),
    sent_at=sa.bindparam("at"), updated_at=sa.bindparam("at"), phone=sa.null())
# PostgreSQL: the last send's result and the next message's mark in one statement.
_SENT_AND_MARK = _MARK.add_cte(_SENT.cte("sent"))


def claim(db: so.Session | sa.Connection, now: datetime, limit: int) -> list[Outgoing]:
    """Take up to `limit` due messages for this worker alone (SKIP LOCKED on PostgreSQL).

    One statement picks and marks them, so it is atomic even in autocommit.
    """
    due = (sa.select(_MESSAGES.c.id)
           .where(_MESSAGES.c.status == MessageStatus.QUEUED, _MESSAGES.c.send_after <= now)
           .order_by(_MESSAGES.c.send_after, _MESSAGES.c.id)
           .limit(limit)
           .with_for_update(skip_locked=True))
    ids = db.execute(_MESSAGES.update().where(_MESSAGES.c.id.in_(due))
                     .values(status=MessageStatus.CLAIMED, updated_at=now)
                     .returning(_MESSAGES.c.id)).scalars().all()
    if not ids:
        return []
    rows = db.execute(
        sa.select(Message.id, Message.phone, Message.body, Message.key, Message.attempts,
                  Client.phone, Client.status)
        .outerjoin(Client, Client.id == Message.client_id)
        .where(Message.id.in_(ids)).order_by(Message.id))
    return [Outgoing(id=mid, to=client_phone or phone, body=body or "", attempts=attempts,
                     suppressed=status is ClientStatus.STOPPED and key != "system.stopped")
            for mid, phone, body, key, attempts, client_phone, status in rows]


@functools.cache
def _driver_sql(dialect: sa.Dialect) -> tuple[str, str]:
    """`_MARK` and `_SENT_AND_MARK` as the driver's SQL, compiled once per dialect."""
    return str(_MARK.compile(dialect=dialect)), str(_SENT_AND_MARK.compile(dialect=dialect))


class _Books:
    """One send lane's writes, on a connection it holds for the whole batch.

    Every write is committed at once, and a send's result is written together with the
    lane's next `sending` mark: on PostgreSQL (autocommit) that is one statement and one
    round trip per message, run straight on the driver (compiled once from `_MARK` and
    `_SENT_AND_MARK`), and the lanes' commits overlap; on SQLite two statements in one
    short write transaction, the lanes taking turns (`turn`).
    """

    def __init__(self, conn: sa.Connection, turn: AbstractContextManager) -> None:
        self.conn = conn
        self.turn = turn
        self.driver = None  # PostgreSQL: a cursor on the lane's autocommit connection
        if conn.dialect.name == "postgresql":
            self.driver = conn.connection.driver_connection.cursor()
            self.mark_sql, self.sent_and_mark_sql = _driver_sql(conn.dialect)
        self.results: list[dict] = []  # finished sends not yet written

    def sent(self, item: Outgoing, result: SendResult, now: datetime) -> None:
        """Note a finished send; it is written with the next mark or at the end."""
        self.results.append({"sent_id": item.id, "sid": result.provider_id, "at": now,
                             "result": _provider_status(result.status)})

    def mark(self, item: Outgoing, status: MessageStatus, now: datetime) -> None:
        """Mark one message, with the results noted so far, in one commit (a `sending`
        mark is durable before the message's request may start)."""
        attempts = item.attempts + 1 if status is MessageStatus.SENDING else item.attempts
        values = {"mid": item.id, "mark": status, "at": now, "tries": attempts}
        with self.turn:
            if self.driver is not None and len(self.results) == 1:
                result = self.results.pop()
                self.driver.execute(self.sent_and_mark_sql, _plain({**result, **values}))
                return
            self._write_results()
            if self.driver is not None:
                self.driver.execute(self.mark_sql, _plain(values))
                return
            self.conn.execute(_MARK, values)
            self.conn.commit()

    def close(self) -> None:
        """Write the results still noted."""
        with self.turn:
            self._write_results()
            self.conn.commit()

    def _write_results(self) -> None:
        if self.results:
            self.conn.execute(_SENT, self.results)
            self.results = []


def _plain(values: dict) -> dict:
    """Parameters for the driver: statuses as the strings stored."""
    return {key: value.value if isinstance(value, MessageStatus) else value
            for key, value in values.items()}


@contextmanager
def _connection(engine: sa.Engine) -> Iterator[sa.Connection]:
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":  # each statement is its own transaction
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        yield conn


def deliver_due(db: so.Session, rt: Runtime, now: datetime, limit: int = 50) -> int:
    """Send due queued messages (up to `limit`); returns how many were handed over.

    Each send thread is a lane through the claimed batch: it marks a message `sending` in
    a commit before its request can start, sends it and notes the result. After a crash
    only the messages in flight (one per send thread) are in doubt, and those are never
    resent; the rest of the batch goes back to the queue. `db` is committed first; the
    books are kept on connections of their own.
    """
    db.commit()  # nothing of the caller's may hold SQLite's write lock meanwhile
    engine = db.get_bind()
    with _connection(engine) as conn:
        batch = claim(conn, now, limit)
        conn.commit()
    if not batch:
        return 0
    items: SimpleQueue[Outgoing] = SimpleQueue()
    for item in batch:
        items.put(item)
    turn = threading.Lock() if engine.dialect.name == "sqlite" else nullcontext()
    lane = functools.partial(_lane, engine, rt, items, turn, now)
    if rt.send_threads == 1:
        return lane()  # right here: no hand-over cost
    lanes = [rt.send_pool.submit(lane) for _ in range(min(rt.send_threads, len(batch)))]
    return sum(done.result() for done in lanes)


def _lane(engine: sa.Engine, rt: Runtime, items: SimpleQueue[Outgoing],
          turn: AbstractContextManager, now: datetime) -> int:
    """Mark, send and note claimed messages until none is left; returns how many went."""
    sent = 0
    with _connection(engine) as conn:
        books = _Books(conn, turn)
        for item in _taken(items):
            if item.suppressed:
                books.mark(item, MessageStatus.SUPPRESSED, now)
                continue
            books.mark(item, MessageStatus.SENDING, now)  # durable before the request
            try:
                result = rt.sender.send(item.to, item.body, status_callback=rt.status_callback)
            except SendError as exc:
                _record_failure(engine, turn, item, exc, now)
                continue
            books.sent(item, result, now)
            sent += 1
        books.close()
    return sent


def _taken(items: SimpleQueue[Outgoing]) -> Iterator[Outgoing]:
    """The claimed messages one by one; each goes to exactly one lane."""
    while True:
        try:
            yield items.get_nowait()
        except Empty:
            return


def _record_failure(engine: sa.Engine, turn: AbstractContextManager, item: Outgoing,
                    exc: SendError, now: datetime) -> None:
    with turn, so.Session(engine) as db:
        msg = db.get_one(Message, item.id)
        msg.updated_at = now
        _failed(db, msg, exc, now)
        db.commit()


def _provider_status(status: str) -> MessageStatus:
    try:
        value = MessageStatus(status)
    except ValueError:
        return MessageStatus.ACCEPTED
    return MessageStatus.ACCEPTED if value is MessageStatus.QUEUED else value


def _failed(db: so.Session, msg: Message, exc: SendError, now: datetime) -> None:
    code = str(exc.code) if exc.code else None
    log.warning("send failed: message=%s to=%s code=%s permanent=%s", msg.id,
                mask(msg.client.phone if msg.client else msg.phone), code, exc.permanent)
    if exc.maybe_sent:
        # Twilio may have the message already; resending could text the client twice.
        _unknown(db, msg, now, "connection_broke")
        return
    if not exc.permanent and msg.attempts < MAX_ATTEMPTS:
        msg.status = MessageStatus.QUEUED
        msg.send_after = now + timedelta(seconds=30 * 2 ** (msg.attempts - 1))
        return
    msg.status = MessageStatus.FAILED
    msg.error_code = code
    if msg.client is None:
        msg.phone = None
        return
    alerts.delivery_failed(db, msg, code, now)


def recover_interrupted(db: so.Session, now: datetime) -> int:
    """Clean up after a crashed worker: what it had only claimed goes back to the queue;
    the one it was sending is marked unknown and never sent twice. Returns that count."""
    cutoff = now - STUCK_AFTER
    db.execute(
        sa.update(Message)
        .where(Message.status == MessageStatus.CLAIMED, Message.updated_at < cutoff)
        .values(status=MessageStatus.QUEUED, updated_at=now)
    )
    stuck = db.scalars(
        sa.select(Message).where(Message.status == MessageStatus.SENDING,
                                 Message.updated_at < cutoff)
    ).all()
    for msg in stuck:
        _unknown(db, msg, now, "worker_stopped")
    db.commit()
    return len(stuck)


def _unknown(db: so.Session, msg: Message, now: datetime, cause: str) -> None:
    """We cannot know whether the SMS left: never resend it, tell the case manager why
    (`cause`: "connection_broke" or "worker_stopped")."""
    msg.status = MessageStatus.UNKNOWN
    msg.phone = None
    if msg.client_id is not None:
        alerts.raise_alert(db, msg.client_id, "delivery_unknown",
                           enrollment_id=msg.enrollment_id, data={"cause": cause}, now=now)
