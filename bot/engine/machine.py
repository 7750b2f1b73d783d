"""The pure flow state machine: (flow, state, event, now, params) -> Turn.

No I/O, no clock, no randomness: the host passes the time in, persists the returned
state and applies the turn's events in order (messages, alerts, saved answers, a
language change, the timer, the end). The engine words nothing for staff: an alert is
a reason code with the answer that led to it.
Params handed to messages keep datetimes raw; for a datetime param P the derived
`P_date` and `P_time` both hold the datetime, so the host formats them per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from bot.engine.turn import (
    AlertRaised,
    AnswerSaved,
    Event,
    FlowEnded,
    LanguageChanged,
    OutMessage,
    State,
    Status,
    Turn,
    WakeAt,
)
from bot.flows.parts import Part, context, join_parts, message_parts
from bot.flows.schema import (
    AlertStep,
    AskStep,
    BranchStep,
    EndStep,
    Flow,
    SendStep,
    SetLanguageStep,
    WaitStep,
)
from bot.i18n.languages import LANGUAGES
from bot.i18n.render import placeholders
from bot.i18n.replies import match_choice

MAX_STEPS_PER_TURN = 50
__all__ = ["AlertRaised", "AnswerSaved", "Event", "FlowEnded", "FlowRunError",
           "LanguageChanged", "OutMessage", "Part", "State", "Turn", "WakeAt", "context",
           "expire", "join_parts", "message_for", "message_parts", "reply", "selects_choice",
           "start", "stop", "wake"]


class FlowRunError(RuntimeError):
    """The host asked for something the state does not allow, or the flow loops."""


def message_for(flow: Flow, step_id: str, params: dict[str, object]) -> OutMessage:
    """Build the message of a send, end or ask step (hosts use it for system texts)."""
    step = flow.step(step_id)
    if not isinstance(step, SendStep | AskStep | EndStep) or not step.text:
        raise FlowRunError(f"step {step_id!r} of flow {flow.id!r} has no text")
    return _message(flow, f"{flow.id}.{step.id}", f"{flow.id}.{step.id}", step.text,
                    step, context(flow, params))


def _message(flow: Flow, key: str, text_key: str, text: str, step: object,
             ctx: dict[str, object]) -> OutMessage:
    parts = message_parts(flow, text_key, text, step)
    template = join_parts(parts)
    missing = [n for n in placeholders(template) if n not in ctx]
    if missing:
        raise FlowRunError(f"flow {flow.id!r}: no value for {', '.join(missing)}")
    return OutMessage(key, template, {n: ctx[n] for n in placeholders(template)}, parts)


class _Run:
    """Collects one turn's events while steps execute, then builds the new state."""

    def __init__(self, flow: Flow, state: State, now: datetime, params: dict[str, object]):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        self.flow, self.now, self.ctx = flow, now, context(flow, params)
        self.state = state
        self.answers = dict(state.answers)
        self.events: list[Event] = []
        self.answer: dict | None = None  # the answer saved this turn, for its alerts

    def save(self, step: AskStep, value: str, text: str | None, *, by_client: bool = True
             ) -> None:
        """Keep the answer to `step`; only the client's own answer (not a timeout) is an
        `AnswerSaved` event, which hosts keep as a result."""
        self.answer = {"name": step.save_as, "value": value, "text": text}
        self.answers[step.save_as] = {"value": value, "text": text}
        if by_client:
            self.events.append(AnswerSaved(step.save_as, value, text, step.id,
                                           free_text=step.free_text))

    def alert(self, reason: str, step_id: str) -> None:
        self.events.append(AlertRaised(reason, step_id, self.answer))

    def say(self, step: SendStep | AskStep | EndStep) -> None:
        key = f"{self.flow.id}.{step.id}"
        self.events.append(_message(self.flow, key, key, step.text or "", step, self.ctx))

    def set_language(self, step: SetLanguageStep) -> None:
        """Report the language change; later texts may name it as {language}."""
        code = self.answers.get(step.from_, {}).get("value")
        if code not in LANGUAGES:
            raise FlowRunError(f"flow {self.flow.id!r} step {step.id!r}: answer "
                               f"{step.from_!r} is {code!r}, not a language code")
        self.events.append(LanguageChanged(code))
        self.ctx["language"] = LANGUAGES[code].native

    def reask(self, step: AskStep) -> None:
        """Say the step's (or flow's) re-ask text followed by the choices again."""
        text_key = f"{self.flow.id}.{step.id}.reask" if step.reask else f"{self.flow.id}.reask"
        text = step.reask or self.flow.reask or ""
        self.events.append(_message(
            self.flow, f"{self.flow.id}.{step.id}.reask", text_key, text, step, self.ctx))

    def finish(self, status: Status = "completed") -> Turn:
        self.events.append(FlowEnded(status))
        return self._turn(None, status, None, None, 0)

    def go(self, step_id: str | None) -> Turn:
        """Run steps from `step_id` until the flow asks, waits or ends."""
        for _ in range(MAX_STEPS_PER_TURN):
            if step_id is None:
                return self.finish()
            step = self.flow.step(step_id)
            if isinstance(step, SendStep):
                self.say(step)
                step_id = step.next
            elif isinstance(step, AlertStep):
                self.alert(step.reason, step.id)
                step_id = step.next
            elif isinstance(step, BranchStep):
                value = self.answers.get(step.on, {}).get("value")
                step_id = step.cases.get(value, step.default) if value else step.default
            elif isinstance(step, SetLanguageStep):
                self.set_language(step)
                step_id = step.next
            elif isinstance(step, EndStep):
                if step.text:
                    self.say(step)
                return self.finish()
            elif isinstance(step, AskStep):
                self.say(step)
                return self.pause(step.id, "reply", _deadline(step, self.now), reasks=0)
            else:
                moment = self._moment(step)
                if moment > self.now:
                    return self.pause(step.id, "time", moment, reasks=0)
                step_id = step.if_passed
        raise FlowRunError(f"flow {self.flow.id!r} ran {MAX_STEPS_PER_TURN} steps in one turn")

    def pause(self, step_id: str, awaiting: Literal["reply", "time"], wake_at: datetime | None,
              reasks: int) -> Turn:
        if wake_at is not None:
            self.events.append(WakeAt(wake_at))
        return self._turn(step_id, "waiting", awaiting, wake_at, reasks)

    def _turn(self, step_id: str | None, status: Status, awaiting: Literal["reply", "time"] | None,
              wake_at: datetime | None, reasks: int) -> Turn:
        state = State(step=step_id, answers=self.answers, status=status, awaiting=awaiting,
                      reasks=reasks, wake_at=wake_at, seq=self.state.seq + 1)
        return Turn(state, tuple(self.events))

    def _moment(self, step: WaitStep) -> datetime:
        until = self.ctx.get(step.until)
        if not isinstance(until, datetime) or until.tzinfo is None:
            raise FlowRunError(f"param {step.until!r} must be a timezone-aware datetime")
        return until + step.offset


def _deadline(step: AskStep, now: datetime) -> datetime | None:
    """When an unanswered question times out (None: never; the loader forbids that)."""
    return now + step.timeout if step.timeout is not None else None


def _current(flow: Flow, state: State, awaiting: tuple[str, ...]) -> object:
    """The step the state waits at, checking the event fits the state."""
    if state.status != "waiting" or state.awaiting not in awaiting or state.step is None:
        raise FlowRunError(f"state is {state.status}/{state.awaiting}, not awaiting {awaiting}")
    if not flow.has_step(state.step):
        raise FlowRunError(f"flow {flow.id!r} v{flow.version} has no step {state.step!r}")
    return flow.step(state.step)


def start(flow: Flow, now: datetime, params: dict[str, object]) -> Turn:
    """Start a flow: run from its start step to the first question, wait or end."""
    missing = [name for name in flow.params if name not in params]
    if missing:
        raise FlowRunError(f"flow {flow.id!r} needs params: {', '.join(missing)}")
    return _Run(flow, State(), now, params).go(flow.start)


def reply(flow: Flow, state: State, text: str, now: datetime, params: dict[str, object],
          words: Mapping[str, list[str]] | None = None) -> Turn:
    """Handle a client's reply to the question the state waits at.

    `words` maps a choice value to more words that mean it (approved translations).
    """
    step = _current(flow, state, ("reply",))
    assert isinstance(step, AskStep)
    run = _Run(flow, state, now, params)
    if step.free_text:
        run.save(step, "text", text)
        return run.go(step.next)
    choice = match_choice(text, step.choices or [], words)
    if choice is not None:
        run.save(step, choice.value, text)
        return run.go(choice.next)
    if state.reasks == 0:
        run.reask(step)
        return run.pause(step.id, "reply", _deadline(step, now), reasks=1)
    run.save(step, "other", text)
    if step.on_other is not None:
        return run.go(step.on_other)
    run.alert("unrecognised", step.id)  # the staff app words it; the answer shows what
    return run.finish()


def selects_choice(flow: Flow, state: State, text: str,
                   words: Mapping[str, list[str]] | None = None) -> bool:
    """True when `text` picks a choice of the question the state waits at (so a word
    like "tolk" answers that question rather than acting as a keyword)."""
    if state.awaiting != "reply" or state.step is None:
        return False
    step = flow.step(state.step)
    return isinstance(step, AskStep) and match_choice(text, step.choices or [], words) is not None


def wake(flow: Flow, state: State, now: datetime, params: dict[str, object]) -> Turn:
    """A timer is due: an unanswered question times out, or a wait is over."""
    step = _current(flow, state, ("reply", "time"))
    run = _Run(flow, state, now, params)
    if isinstance(step, AskStep):
        run.save(step, "timeout", None, by_client=False)
        return run.go(step.on_timeout)
    assert isinstance(step, WaitStep)
    return run.go(step.next)


def expire(flow: Flow, state: State, now: datetime) -> Turn:
    """The flow ran past `expires_after`: stop quietly, keeping the answers."""
    _current(flow, state, ("reply", "time"))
    return _Run(flow, state, now, {}).finish("expired")


def stop(flow: Flow, state: State, now: datetime) -> Turn:
    """The client wrote STOPP: end the flow without messages."""
    if state.status != "waiting":
        raise FlowRunError(f"state is {state.status}, not waiting")
    return _Run(flow, state, now, {}).finish("stopped")
