"""Message budgets: SMS segments per message and LIX for the Swedish source.

Every message a client can receive from a flow (a step's text with its choice lines, or a
question's re-ask) has a segment budget: the step's `segments`, else the flow's. The
Swedish source is checked rendered at its worst case (long names, the longest date);
the translation tooling calls `budget_problems` with each rendered translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.flows.checks import Problem
from bot.flows.parts import Part, context, join_parts, message_parts
from bot.flows.schema import AskStep, EndStep, Flow, SendStep
from bot.i18n.languages import LANGUAGES, SOURCE
from bot.i18n.lix import EASY_SWEDISH_MAX, lix
from bot.i18n.render import render
from bot.messaging.segments import count_segments, gsm_safe

# Plausible long values: 12-character names (GSM-7, so a Swedish text stays GSM-7 unless
# its own words need UCS-2), a 20-character free-text param, and per language the date
# whose "weekday day month" is longest in that language.
WORST_NAME = "Mohammed Ali"
WORST_CASE_MANAGER = "Kristin Berg"
WORST_TEXT = "Storgatan 12, plan 3"
_TZ = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True)
class ClientMessage:
    """One message a flow can send: its catalog key, parts and segment budget."""

    step: str
    key: str
    parts: tuple[Part, ...]
    budget: int

    def template(self, translations: Mapping[str, str] | None = None) -> str:
        """The whole message; `translations` maps part keys to translated texts (parts
        without one, and parts that are never translated, keep their source text)."""
        translations = translations or {}
        return join_parts([
            Part(p.key, translations.get(p.key, p.text) if p.translate else p.text, p.prefix)
            for p in self.parts])

    def readable_text(self) -> str:
        """The Swedish text LIX is computed over: without never-translated parts (names
        of languages in their own scripts are not Swedish)."""
        return join_parts([p for p in self.parts if p.translate])


def client_messages(flow: Flow) -> list[ClientMessage]:
    """Every message a client can receive from `flow`, in file order."""
    found: list[ClientMessage] = []
    for step in flow.steps:
        if isinstance(step, SendStep | AskStep | EndStep) and step.text:
            key = f"{flow.id}.{step.id}"
            parts = message_parts(flow, key, step.text, step)
            found.append(ClientMessage(step.id, key, tuple(parts), flow.budget(step)))
        if isinstance(step, AskStep) and step.choices and (step.reask or flow.reask):
            text_key = f"{flow.id}.{step.id}.reask" if step.reask else f"{flow.id}.reask"
            parts = message_parts(flow, text_key, step.reask or flow.reask or "", step)
            found.append(ClientMessage(step.id, f"{flow.id}.{step.id}.reask", tuple(parts),
                                       flow.budget(step)))
    return found


@lru_cache(maxsize=64)
def longest_date(locale: str) -> datetime:
    """A 10:00 Stockholm datetime in 2027 whose "weekday day month" is longest in `locale`."""
    days = (date(2027, 1, 1) + timedelta(days=n) for n in range(365))
    longest = max(days, key=lambda day: len(format_date(day, "EEEE d MMMM", locale=locale)))
    return datetime(longest.year, longest.month, longest.day, 10, 0, tzinfo=_TZ)


def worst_case_params(flow: Flow, language: str = SOURCE) -> dict[str, object]:
    """Values for every placeholder `flow` may use, as long as they plausibly get."""
    params: dict[str, object] = {
        "name": WORST_NAME, "case_manager": WORST_CASE_MANAGER,
        "language": max((lang.native for lang in LANGUAGES.values()), key=len),
    }
    for param, kind in flow.params.items():
        params[param] = longest_date(language) if kind == "datetime" else WORST_TEXT
    return context(flow, params)


def render_worst_case(flow: Flow, template: str, language: str = SOURCE) -> str:
    """`template` rendered with the worst-case values, as the host would send it."""
    return gsm_safe(render(template, worst_case_params(flow, language), language, _TZ))


def budget_for(flow: Flow, key: str) -> int:
    """The segment budget of the message or catalog text with this key
    (`flow.step`, `flow.step.reask`, `flow.step.choice.N` or `flow.reask`)."""
    step_id = key.split(".")[1] if key.startswith(f"{flow.id}.") else ""
    if flow.has_step(step_id):
        step = flow.step(step_id)
        if isinstance(step, SendStep | AskStep | EndStep):
            return flow.budget(step)
    return flow.budget()


def budget_problems(flow: Flow, key: str, rendered_text: str, language: str,
                    file: str | None = None) -> list[Problem]:
    """A problem when `rendered_text` (the whole message with key `key`, rendered in
    `language`) needs more SMS segments than its budget; else an empty list."""
    count = count_segments(gsm_safe(rendered_text))
    budget = budget_for(flow, key)
    if count.segments <= budget:
        return []
    parts = key.split(".")
    step_id = parts[1] if len(parts) > 1 and flow.has_step(parts[1]) else None
    where = "reask: " if key.endswith(".reask") else ""
    return [Problem(file or f"flows/{flow.id}.yaml", step_id,
                    f"{where}{count.segments} SMS segments ({count.encoding}) in {language}, "
                    f"budget {budget}")]


def source_problems(flow: Flow, name: str) -> list[Problem]:
    """LIX above 30 or a segment budget overrun in the Swedish source of any message."""
    problems: list[Problem] = []
    for message in client_messages(flow):
        where = "reask: " if message.key.endswith(".reask") else ""
        value = lix(message.readable_text())
        if value > EASY_SWEDISH_MAX:
            problems.append(Problem(name, message.step, f"{where}LIX {value:.1f}, easy "
                                    f"Swedish needs {EASY_SWEDISH_MAX:.0f} or less"))
        try:
            rendered = render_worst_case(flow, message.template())
        except KeyError:  # an undefined placeholder, reported by the structure checks
            continue
        problems += budget_problems(flow, message.key, rendered, SOURCE, name)
    return problems
