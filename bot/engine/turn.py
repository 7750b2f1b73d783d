"""What one turn of the engine produces: the new state and typed events, in order.

Frozen dataclasses with no behaviour beyond (de)serialising the state, shared by the
state machine and the hosts that persist and send what it decided. A host applies a
turn's events in one place (`bot.services.conversations.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar

from bot.flows.parts import Part

Status = Literal["waiting", "completed", "expired", "stopped"]


@dataclass(frozen=True)
class State:
    """Where an enrolment is in its flow; `seq` grows on every turn so stale timers are seen."""

    step: str | None = None
    answers: Mapping[str, dict] = field(default_factory=dict)
    status: Status = "waiting"
    awaiting: Literal["reply", "time"] | None = None
    reasks: int = 0
    wake_at: datetime | None = None
    seq: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form, datetimes as ISO strings."""
        data = {k: getattr(self, k) for k in self.__dataclass_fields__}
        data["answers"] = {k: dict(v) for k, v in self.answers.items()}
        data["wake_at"] = self.wake_at.isoformat() if self.wake_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> State:
        """Inverse of to_dict."""
        wake_at = data.get("wake_at")
        return cls(**{**data, "wake_at": datetime.fromisoformat(wake_at) if wake_at else None})


@dataclass(frozen=True)
class OutMessage:
    """Event: a message to send: catalog key, Swedish template and the values it uses."""

    key: str
    template: str
    params: Mapping[str, object]
    parts: tuple[Part, ...] = ()


@dataclass(frozen=True)
class LanguageChanged:
    """Event: the client chose another language; the host applies it before it sends the
    turn's messages, so a confirmation already uses it."""

    language: str


@dataclass(frozen=True)
class AnswerSaved:
    """Event: the client answered the question at `step`, saved as `question`.

    `value` is the choice's value, "text" for a free-text question, or "other" for an
    answer that matched no choice twice; `text` is what the client wrote.
    """

    question: str
    value: str
    text: str | None
    step: str
    free_text: bool = False

    @property
    def category(self) -> str | None:
        """The answer's category for reports: the value, or None for free text."""
        return None if self.free_text else self.value


@dataclass(frozen=True)
class AlertRaised:
    """Event: something the case manager should see, as a reason code; `step` is the step
    that raised it and `answer` ({"name", "value", "text"}) the answer that led here.
    Staff wording belongs to the staff app, not the engine."""

    reason: str
    step: str
    answer: Mapping[str, str | None] | None = None


@dataclass(frozen=True)
class WakeAt:
    """Event: the flow waits (for a reply or a time) and wants a timer at `at`."""

    at: datetime


@dataclass(frozen=True)
class FlowEnded:
    """Event: the flow is over (completed, expired or stopped); no timer is due any more."""

    status: Status


Event = OutMessage | LanguageChanged | AnswerSaved | AlertRaised | WakeAt | FlowEnded
E = TypeVar("E", OutMessage, LanguageChanged, AnswerSaved, AlertRaised, WakeAt, FlowEnded)


@dataclass(frozen=True)
class Turn:
    """The result of one engine call: the new state and what happened, in order."""

    state: State
    events: tuple[Event, ...] = ()

    def of(self, kind: type[E]) -> list[E]:
        """The events of one type, in order (e.g. `turn.of(OutMessage)`)."""
        return [event for event in self.events if isinstance(event, kind)]
