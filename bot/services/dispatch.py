"""The worker's side of the schedule: claim due fires and run them, once each."""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.engine import machine
from bot.models import (
    Client,
    ClientStatus,
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Staff,
)
from bot.services import batch, conversations
from bot.services.runtime import Runtime

log = logging.getLogger(__name__)

MAX_FIRE_ATTEMPTS = 3


def claim_due(db: so.Session, rt: Runtime, now: datetime, limit: int) -> list[Fire]:
    """Lock up to `limit` due fires for this worker; other workers skip them.

    One statement locks the fires (only theirs: FOR UPDATE OF fires) and loads each with
    its enrollment, client and case manager, all many-to-one, by joins: no id lists to
    send back and no statement that changes with the batch's size.
    In quiet hours only expiries run; nudges and timeouts wait in the table until morning.
    """
    query = sa.select(Fire).where(Fire.status == FireStatus.PENDING, Fire.due_at <= now)
    if rt.quiet.contains(now):
        query = query.where(Fire.kind == FireKind.EXPIRE)
    return list(db.scalars(
        query.order_by(Fire.due_at, Fire.id).limit(limit)
        .with_for_update(skip_locked=True, of=Fire)
        .options(so.joinedload(Fire.enrollment, innerjoin=True)
                 .joinedload(Enrollment.client, innerjoin=True)
                 .joinedload(Client.case_manager).load_only(Staff.first_name))
    ))


def run_due(db: so.Session, rt: Runtime, now: datetime, limit: int = 200) -> int:
    """Run due fires, a batch in one transaction with one flush (the messages and fires it
    adds are inserted with one executemany each); when any fire fails, the batch is redone
    one fire at a time so the others still run, and the bad one is retried and finally
    marked failed."""
    fires = claim_due(db, rt, now, limit)
    if not fires:
        db.commit()
        return 0
    try:
        with db.no_autoflush, batch.collected_inserts(db):
            questions = conversations.asking(
                db, {f.enrollment.client_id for f in fires if f.kind is FireKind.START})
            for fire in fires:
                run_fire(db, rt, fire, now, questions)
            _done(db, fires, now)
        db.commit()
        return len(fires)
    except Exception:
        db.rollback()
    return _run_one_by_one(db, rt, claim_due(db, rt, now, limit), now)


def _run_one_by_one(db: so.Session, rt: Runtime, fires: list[Fire], now: datetime) -> int:
    for fire in fires:
        try:
            with db.begin_nested():
                run_fire(db, rt, fire, now)
                fire.status, fire.done_at = FireStatus.DONE, now
        except Exception as exc:  # one bad fire must not stop the others
            log.exception("fire %s failed", fire.id)
            fire.attempts += 1
            fire.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if fire.attempts >= MAX_FIRE_ATTEMPTS:
                fire.status = FireStatus.FAILED
    db.commit()
    return len(fires)


def _done(db: so.Session, fires: list[Fire], now: datetime) -> None:
    """Mark a batch of fires done with one UPDATE rather than one row each in the flush;
    the loaded objects are given the same values, so the session never sees them pending."""
    db.execute(sa.update(Fire).where(Fire.id.in_([fire.id for fire in fires]))
               .values(status=FireStatus.DONE, done_at=now),
               execution_options={"synchronize_session": False})
    for fire in fires:
        so.attributes.set_committed_value(fire, "status", FireStatus.DONE)
        so.attributes.set_committed_value(fire, "done_at", now)


def run_fire(db: so.Session, rt: Runtime, fire: Fire, now: datetime,
             questions: dict[int, list[Enrollment]] | None = None) -> None:
    """Do what one fire stands for, unless it went stale (answered, cancelled, moved on).
    The caller marks it done."""
    enrollment = fire.enrollment
    if not enrollment.status.open:
        return
    if enrollment.client.status is ClientStatus.STOPPED and fire.kind is not FireKind.EXPIRE:
        conversations.stop(db, enrollment)
        return
    if enrollment.client.paused and fire.kind is not FireKind.EXPIRE:
        conversations.skip_paused(db, enrollment, now)  # skipped, not saved up for later
        return
    flow = rt.flow(enrollment.flow_id)
    if fire.kind is FireKind.START:
        if enrollment.status is EnrollmentStatus.SCHEDULED:
            conversations.begin(db, rt, enrollment, now, open_questions=questions)
    elif fire.kind is FireKind.WAKE:
        if fire.seq == enrollment.seq and enrollment.status is EnrollmentStatus.WAITING:
            params = conversations.params_for(flow, enrollment, enrollment.client)
            turn = machine.wake(flow, conversations.state_of(enrollment), now, params)
            conversations.apply(db, rt, enrollment, turn, now)
    elif enrollment.status is EnrollmentStatus.WAITING:
        turn = machine.expire(flow, conversations.state_of(enrollment), now)
        conversations.apply(db, rt, enrollment, turn, now)
    else:  # never started: it expired before its time came
        conversations.stop(db, enrollment, EnrollmentStatus.EXPIRED)
