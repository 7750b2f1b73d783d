"""Running flows for clients: enrol, fire scheduled events, take replies.

The engine decides; this module persists its decisions (state, then the turn's events:
messages, results, alerts, timers) in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.engine import (
    AlertRaised,
    AnswerSaved,
    FlowEnded,
    LanguageChanged,
    OutMessage,
    State,
    Turn,
    WakeAt,
    machine,
)
from bot.flows.schema import AskStep, Flow
from bot.i18n.languages import SOURCE
from bot.models import (
    Client,
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Result,
)
from bot.services import alerts, batch, outbound
from bot.services.approvals import approved_texts
from bot.services.audit import audit
from bot.services.runtime import Runtime
from bot.timeutil import parse_time

DEFAULT_CASE_MANAGER = "din handläggare"


class EnrolError(ValueError):
    """An enrolment that cannot be made; the message says what to change."""


def enrol(db: so.Session, rt: Runtime, client: Client, flow_id: str, *, at: datetime,
          params: dict[str, Any] | None = None, by: str = "system", key: str | None = None
          ) -> Enrollment:
    """Enrol `client` in a flow starting at `at`. The same key twice enrols once."""
    flow = rt.flow(flow_id)
    stored = check_params(flow, params or {}, rt.tz)
    key = key or f"{client.id}:{flow.id}:{at.isoformat()}"
    existing = db.scalar(sa.select(Enrollment).where(Enrollment.idempotency_key == key))
    if existing is not None:
        return existing
    enrollment = Enrollment(
        client=client, flow_id=flow.id, flow_version=flow.version, params=stored, start_at=at,
        status=EnrollmentStatus.SCHEDULED, idempotency_key=key, enrolled_by=by, answers={},
    )
    db.add(enrollment)
    db.flush()
    _schedule(db, enrollment, FireKind.START, at, seq=0)
    return enrollment


def check_params(flow: Flow, given: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """The flow's params in their stored form; EnrolError names what is missing or wrong."""
    unknown = sorted(set(given) - set(flow.params))
    if unknown:
        raise EnrolError(f"flow {flow.id!r} takes no parameter {', '.join(unknown)}")
    stored: dict[str, Any] = {}
    for name, kind in flow.params.items():
        if name not in given or given[name] in (None, ""):
            raise EnrolError(f"flow {flow.id!r} needs --param {name}=<{kind}>")
        value = given[name]
        if kind == "datetime":
            if isinstance(value, str):
                try:
                    value = parse_time(value, tz)
                except ValueError as exc:
                    raise EnrolError(f"{name}: {exc}") from None
            if value.tzinfo is None:
                raise EnrolError(f"{name} needs a time zone")
            value = value.isoformat()
        stored[name] = value
    return stored


def _schedule(db: so.Session, enrollment: Enrollment, kind: FireKind, due: datetime, seq: int
              ) -> None:
    batch.add(db, Fire, {"kind": kind, "enrollment_id": enrollment.id, "due_at": due,
                         "seq": seq, "idempotency_key": f"{kind.value}:{enrollment.id}:{seq}"})


def client_params(client: Client) -> dict[str, Any]:
    """The names every text may use: the client's and their case manager's first names."""
    manager = client.case_manager
    return {"name": client.first_name,
            "case_manager": manager.first_name if manager else DEFAULT_CASE_MANAGER}


def params_for(flow: Flow, enrollment: Enrollment, client: Client) -> dict[str, Any]:
    """Everything the flow's texts may use: names plus the enrolment's parameters."""
    values = client_params(client)
    for name, kind in flow.params.items():
        value = enrollment.params.get(name)
        values[name] = datetime.fromisoformat(value) if kind == "datetime" and value else value
    return values


def state_of(enrollment: Enrollment) -> State:
    status = "waiting" if enrollment.status.open else enrollment.status.value
    return State(step=enrollment.step, answers=dict(enrollment.answers or {}), status=status,
                 awaiting=enrollment.awaiting, reasks=enrollment.reasks,
                 wake_at=enrollment.wake_at, seq=enrollment.seq)


def apply(db: so.Session, rt: Runtime, enrollment: Enrollment, turn: Turn, now: datetime, *,
          reply: bool = False, fresh: bool = False) -> None:
    """Persist what the engine decided: the new state, then each event of the turn in
    order: messages queued, answers kept as `Result` rows, alerts raised, the timer set,
    the fires of an ended flow cancelled. A language change comes first, so the turn's
    messages (a confirmation) already use it.

    `fresh` says the enrolment has just started, so it has no other fires to cancel; the
    worker then runs a whole batch of starts without a single extra statement.
    """
    had_timer = enrollment.wake_at is not None  # a WAKE fire is pending exactly then
    _keep_state(enrollment, turn.state, now)
    client = enrollment.client
    wrote_in = client.language  # a result records the language the client answered in
    events = sorted(turn.events, key=lambda e: not isinstance(e, LanguageChanged))
    for event in events:
        match event:
            case LanguageChanged(language=language):
                client.language = language
            case OutMessage():
                outbound.queue(db, rt, client, event, now=now, enrollment_id=enrollment.id,
                               reply=reply)
            case AnswerSaved():
                db.add(Result(client_id=client.id, enrollment_id=enrollment.id,
                              flow_id=enrollment.flow_id, question=event.question,
                              category=event.category, text=(event.text or "")[:1600] or None,
                              language=wrote_in, answered_at=now))
            case AlertRaised():
                alerts.raise_alert(db, client.id, event.reason, enrollment_id=enrollment.id,
                                   answer=dict(event.answer) if event.answer else None,
                                   data={"step": event.step}, now=now)
            case WakeAt(at=at):
                if had_timer:
                    cancel_fires(db, enrollment, FireKind.WAKE)  # the last step's timer
                _schedule(db, enrollment, FireKind.WAKE, at, seq=turn.state.seq)
            case FlowEnded():
                if not fresh:
                    cancel_fires(db, enrollment)


def _keep_state(enrollment: Enrollment, state: State, now: datetime) -> None:
    """Copy the engine's state onto the enrolment row (the format `state_of` reads)."""
    enrollment.step, enrollment.answers = state.step, dict(state.answers)
    enrollment.awaiting, enrollment.reasks = state.awaiting, state.reasks
    enrollment.wake_at, enrollment.seq = state.wake_at, state.seq
    enrollment.status = EnrollmentStatus(state.status)
    if state.awaiting == "reply":
        enrollment.last_asked_at = now


def cancel_fires(db: so.Session, enrollment: Enrollment, kind: FireKind | None = None) -> None:
    """Cancel an enrolment's pending fires (of one kind, or all)."""
    query = sa.update(Fire).where(Fire.enrollment_id == enrollment.id,
                                  Fire.status == FireStatus.PENDING)
    if kind is not None:
        query = query.where(Fire.kind == kind)
    db.execute(query.values(status=FireStatus.CANCELLED))


def stop(db: so.Session, enrollment: Enrollment, status=EnrollmentStatus.STOPPED) -> None:
    """End an open enrolment without messages (staff cancel, STOPP, a newer conversation)."""
    enrollment.status = status
    enrollment.awaiting = None
    enrollment.wake_at = None
    cancel_fires(db, enrollment)


def skip_paused(db: so.Session, enrollment: Enrollment, now: datetime) -> None:
    """A nudge (or a flow's own later step) came due while staff had paused the client:
    it ends quietly, with a note in the audit trail, so nothing piles up for resuming."""
    started = enrollment.status is EnrollmentStatus.WAITING
    stop(db, enrollment)
    audit(db, "system", "enrollment.skipped", f"client:{enrollment.client_id}", at=now,
          detail={"enrollment": enrollment.id, "flow": enrollment.flow_id,
                  "reason": "client paused", "had_started": started})


def open_enrollments(db: so.Session, client: Client) -> list[Enrollment]:
    return list(db.scalars(
        sa.select(Enrollment).where(
            Enrollment.client_id == client.id,
            Enrollment.status.in_([EnrollmentStatus.SCHEDULED, EnrollmentStatus.WAITING]),
        ).order_by(Enrollment.id)
    ))


def awaiting_reply(db: so.Session, client: Client) -> Enrollment | None:
    """The conversation a client's SMS answers: the one that asked most recently."""
    return db.scalar(
        sa.select(Enrollment)
        .where(Enrollment.client_id == client.id, Enrollment.status == EnrollmentStatus.WAITING,
               Enrollment.awaiting == "reply")
        .order_by(Enrollment.last_asked_at.desc(), Enrollment.id.desc())
        .limit(1)
        .with_for_update()
    )


def asking(db: so.Session, client_ids: Iterable[int]) -> dict[int, list[Enrollment]]:
    """Open questions per client, fetched in one query for a whole batch of starts."""
    found: dict[int, list[Enrollment]] = {cid: [] for cid in client_ids}
    if found:
        for enrollment in db.scalars(sa.select(Enrollment).where(
                Enrollment.client_id.in_(found), Enrollment.status == EnrollmentStatus.WAITING,
                Enrollment.awaiting == "reply")):
            found[enrollment.client_id].append(enrollment)
    return found


def begin(db: so.Session, rt: Runtime, enrollment: Enrollment, now: datetime, *,
          reply: bool = False, open_questions: dict[int, list[Enrollment]] | None = None
          ) -> None:
    """Start a scheduled enrolment now. When it asks a question, a question still open
    elsewhere is closed, so a client's next answer can only mean one thing (a flow that
    only informs, like TOLK's confirmation, leaves it open). `open_questions` (from
    `asking`) saves the query when a batch is started; it is kept up to date here."""
    flow = rt.flow(enrollment.flow_id)
    client = enrollment.client
    if open_questions is None:
        open_questions = asking(db, [client.id])
    questions = open_questions.setdefault(client.id, [])
    turn = machine.start(flow, now, params_for(flow, enrollment, client))
    if turn.state.awaiting == "reply":
        for other in questions:
            if other.id != enrollment.id and other.status.open and other.awaiting == "reply":
                stop(db, other, EnrollmentStatus.EXPIRED)
    enrollment.flow_version = flow.version
    apply(db, rt, enrollment, turn, now, reply=reply, fresh=True)
    if enrollment.status.open and enrollment.awaiting == "reply":
        questions.append(enrollment)
    if flow.expires_after is not None and enrollment.status.open:
        _schedule(db, enrollment, FireKind.EXPIRE, now + flow.expires_after, seq=-1)


def reply_words(db: so.Session, rt: Runtime, enrollment: Enrollment) -> dict[str, list[str]]:
    """Approved words in the client's language that mean each answer of the open question
    (choice value -> words); the Swedish and English ones are in the flow itself."""
    flow, language = rt.flow(enrollment.flow_id), enrollment.client.language
    step = flow.step(enrollment.step) if enrollment.step and flow.has_step(enrollment.step) \
        else None
    if not isinstance(step, AskStep) or not step.choices or language == SOURCE:
        return {}
    approved = approved_texts(db, rt.flows)
    words: dict[str, list[str]] = {}
    for choice in step.choices:
        key = f"{flow.id}.{step.id}.choice.{choice.key}"
        listed = approved(f"{key}.words", language) or ""
        label = approved(key, language)  # the answer as the client read it
        found = [w.strip() for w in listed.split(",") if w.strip()] + ([label] if label else [])
        if found:
            words[choice.value] = found
    return words


def selects_choice(db: so.Session, rt: Runtime, enrollment: Enrollment, text: str) -> bool:
    """True when `text` answers the question this enrolment waits at."""
    return machine.selects_choice(rt.flow(enrollment.flow_id), state_of(enrollment), text,
                                  reply_words(db, rt, enrollment))


def take_reply(db: so.Session, rt: Runtime, enrollment: Enrollment, text: str, now: datetime
               ) -> None:
    """Hand a client's reply to the flow that is waiting for it; a saved answer is also
    kept as a `Result` row for the staff app and reports (`apply`)."""
    flow = rt.flow(enrollment.flow_id)
    params = params_for(flow, enrollment, enrollment.client)
    turn = machine.reply(flow, state_of(enrollment), text, now, params,
                         reply_words(db, rt, enrollment))
    apply(db, rt, enrollment, turn, now, reply=True)


def start_now(db: so.Session, rt: Runtime, client: Client, flow_id: str, now: datetime, *,
              by: str, reply: bool = False, params: dict[str, Any] | None = None
              ) -> Enrollment:
    """Enrol and begin at once (keywords like HJÄLP, unknown numbers, simulator)."""
    enrollment = enrol(db, rt, client, flow_id, at=now, by=by, params=params,
                       key=f"{client.id}:{flow_id}:{now.isoformat()}:now")
    fire = db.scalar(sa.select(Fire).where(Fire.enrollment_id == enrollment.id,
                                           Fire.kind == FireKind.START))
    if fire is not None:
        fire.status, fire.done_at = FireStatus.DONE, now
    begin(db, rt, enrollment, now, reply=reply)
    return enrollment
