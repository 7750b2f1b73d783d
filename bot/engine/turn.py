"""What one turn of the engine produces: the new state, messages, alerts and effects.

Plain dataclasses with no behaviour beyond (de)serialising the state, shared by the
state machine and the hosts that persist and send what it decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.flows.parts import Part

Status = Literal["waiting", "completed", "expired", "stopped"]


@dataclass
class State:
    """Where an enrolment is in its flow; `seq` grows on every turn so stale timers are seen."""

    step: str | None = None
    answers: dict[str, dict] = field(default_factory=dict)
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


@dataclass
class OutMessage:
    """A message to send: catalog key, Swedish template and the values it uses."""

    key: str
    template: str
    params: dict[str, object]
    parts: list[Part] = field(default_factory=list)


@dataclass
class AlertOut:
    """Something the case manager should see; `answer` is the answer that led here."""

    reason: str
    step: str
    note: str
    answer: dict | None


# Changes to the client the host applies before it sends the turn's messages, so that
# they already follow them: ("set_language", "ar").
Effect = tuple[str, str]


@dataclass
class Turn:
    """The result of one event."""

    state: State
    messages: list[OutMessage]
    alerts: list[AlertOut]
    wake_at: datetime | None
    effects: list[Effect] = field(default_factory=list)
