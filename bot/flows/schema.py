"""The flow schema: a conversation as versioned data with stable step ids.

Flows are written in YAML by people, so every model forbids unknown fields and
durations are short human strings ("30m", "4h", "2d", "-2h").
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    model_validator,
)

from bot import scheduling
from bot.i18n.reply_words import Keyword

_DURATION = re.compile(r"^(-)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(value: object) -> object:
    """Turn "2d", "4h", "30m", "1h30m" or "-2h" into a timedelta; pass timedeltas through."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match or not any(match.groups()[1:]):
        raise ValueError("must be a duration like '30m', '4h', '2d' or '-2h'")
    sign, days, hours, minutes = match.groups()
    delta = timedelta(days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0))
    return -delta if sign else delta


def _number_to_str(value: object) -> object:
    """YAML reads `key: 1` as an int; choice keys and values are strings."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
StepId = Annotated[str, Field(pattern=r"^[a-z0-9_]+$")]
Word = Annotated[str, BeforeValidator(_number_to_str)]
# SMS parts a message may take; every part is billed and may arrive out of order.
Segments = Annotated[int, Field(ge=1, le=10)]
DEFAULT_SEGMENTS = 2
# The dashboard's reports: each counts one question's answers (the question says so with
# `report:`), and the question must offer every answer value its report shows.
REPORTS: dict[str, tuple[str, ...]] = {
    "attendance": ("yes", "partly", "no", "talk"),
    "plan_progress": ("done", "started", "stuck", "change_goal", "talk"),
}


def _known_report(value: str) -> str:
    """A report name must be one of REPORTS (a typo would silently empty a chart)."""
    if value not in REPORTS:
        raise ValueError(f"unknown report '{value}' (expected one of {', '.join(REPORTS)})")
    return value


ReportName = Annotated[str, AfterValidator(_known_report)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Choice(_Strict):
    """One numbered answer to a question; `value` is the category staff and reports see.

    `translate: false` marks a label that is the same in every language (a language's
    name in its own script): it is not extracted for translation and is sent as written.
    `means: "yes"` (or "no") lets every language's yes (or no) words pick this answer,
    as they do for an answer whose value is "yes" or "no" ("Kommer du?" → "ja").
    """

    key: Annotated[str, BeforeValidator(_number_to_str), Field(pattern=r"^[1-9][0-9]?$")]
    value: Word
    label: str
    words: list[Word] = []
    next: StepId | None = None
    translate: bool = True
    means: Literal["yes", "no"] | None = None


class SendStep(_Strict):
    """Send a text and go on."""

    kind: Literal["send"]
    id: StepId
    text: str
    next: StepId | None = None
    segments: Segments | None = None


class AskStep(_Strict):
    """Ask a question and wait for a reply or the timeout; `report` names the dashboard
    report (see REPORTS) that counts its answers."""

    kind: Literal["ask"]
    id: StepId
    text: str
    save_as: StepId
    choices: list[Choice] | None = None
    free_text: bool = False
    next: StepId | None = None
    on_other: StepId | None = None
    timeout: Duration | None = None
    on_timeout: StepId | None = None
    reask: str | None = None
    segments: Segments | None = None
    report: ReportName | None = None


class BranchStep(_Strict):
    """Go to the step that matches an earlier answer's value."""

    kind: Literal["branch"]
    id: StepId
    on: StepId
    cases: dict[Word, StepId]
    default: StepId


class AlertStep(_Strict):
    """Tell the case manager; `note` is for staff and never sent to the client."""

    kind: Literal["alert"]
    id: StepId
    reason: StepId
    note: str
    next: StepId | None = None


class WaitStep(_Strict):
    """Pause until a datetime param plus an offset (e.g. two hours before a meeting)."""

    kind: Literal["wait"]
    id: StepId
    until: StepId
    offset: Duration = timedelta(0)
    next: StepId
    if_passed: StepId | None = None


class EndStep(_Strict):
    """End the flow, optionally with a last text."""

    kind: Literal["end"]
    id: StepId
    text: str | None = None
    segments: Segments | None = None


class SetLanguageStep(_Strict):
    """Change the client's language to the language code an earlier answer holds.

    The engine only reports the change as a turn effect ("set_language", code); the host
    applies it before sending the turn's messages, so what follows is in the new language.
    """

    kind: Literal["set_language"]
    id: StepId
    from_: StepId = Field(alias="from")
    next: StepId | None = None


Step = Annotated[
    SendStep | AskStep | BranchStep | AlertStep | WaitStep | EndStep | SetLanguageStep,
    Field(discriminator="kind"),
]


class ScheduleDefault(BaseModel):
    """A flow's default timing: a schedule spec (see `bot.scheduling`) that the case
    manager sees first and can change, e.g. `{kind: event, offsets: ["-1d@09:00"]}`."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: Literal["once", "event", "recurring"]

    @model_validator(mode="after")
    def _plannable(self) -> ScheduleDefault:
        scheduling.normalise(self.kind, self.spec())  # raises with what to write
        return self

    def spec(self) -> dict[str, object]:
        """The spec fields, without `kind`."""
        return dict(self.model_extra or {})


class Trigger(_Strict):
    """Who starts a flow and, when staff or the system schedule it, its default timing.

    `keyword` starts a client flow (a word in `bot.i18n.reply_words.KEYWORDS`); `event`
    names the datetime param the timing is relative to (a meeting, an activity's start).
    """

    by: Literal["case_manager", "client", "system"]
    keyword: Keyword | None = None
    event: StepId | None = None
    default: ScheduleDefault | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Trigger:
        if self.keyword is not None and self.by != "client":
            raise ValueError("a keyword starts a flow only when the client starts it "
                             "(by: client)")
        if self.event is not None and (self.default is None or self.default.kind != "event"):
            raise ValueError("event goes with a default of kind: event")
        return self


class Flow(_Strict):
    """A whole conversation; `params` are what the enrolling case manager must give."""

    id: StepId
    version: int
    title: str
    description: str = ""
    params: dict[StepId, Literal["text", "datetime"]] = {}
    start: StepId
    expires_after: Duration | None = None
    reask: str | None = None
    segments: Segments = DEFAULT_SEGMENTS
    trigger: Trigger | None = None
    steps: list[Step]
    _by_id: dict[str, Step] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: object, /) -> None:
        for step in reversed(self.steps):  # the first of duplicate ids wins
            self._by_id[step.id] = step

    @model_validator(mode="after")
    def _trigger_event_is_a_datetime_param(self) -> Flow:
        event = self.trigger.event if self.trigger else None
        if event is not None and self.params.get(event) != "datetime":
            raise ValueError(f"trigger.event {event!r} must name a datetime param of this "
                             "flow")
        return self

    def step(self, step_id: str) -> Step:
        """Return the step with this id; KeyError when there is none."""
        try:
            return self._by_id[step_id]
        except KeyError:
            raise KeyError(f"flow {self.id!r} has no step {step_id!r}") from None

    def has_step(self, step_id: str) -> bool:
        """True when a step with this id exists."""
        return step_id in self._by_id

    def budget(self, step: SendStep | AskStep | EndStep | None = None) -> int:
        """The SMS segment budget of a step's messages (the flow's default without one)."""
        return step.segments if step is not None and step.segments else self.segments

    def texts(self) -> list[tuple[str, str]]:
        """Every client-facing text with its catalog key, for translation and review."""
        found: list[tuple[str, str]] = []
        for step in self.steps:
            key = f"{self.id}.{step.id}"
            if isinstance(step, SendStep | AskStep | EndStep) and step.text:
                found.append((key, step.text))
            if isinstance(step, AskStep):
                found += [(f"{key}.choice.{c.key}", c.label)
                          for c in step.choices or [] if c.translate]
                if step.reask:
                    found.append((f"{key}.reask", step.reask))
        if self.reask:
            found.append((f"{self.id}.reask", self.reask))
        return found
