"""How a step's text is built into a message: its parts, their keys and the params.

A message is the step's text and, for a question, one line per choice; each part is a
catalog text of its own. The engine builds the messages it sends from these, and the
budget and translation tooling measure the same messages, so both use this one module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.flows.schema import AskStep, Flow

__all__ = ["Part", "context", "join_parts", "message_parts"]


@dataclass(frozen=True)
class Part:
    """One catalog text inside a message; a choice line is `prefix` ("1 ") + its label.

    `translate` is False for text that is the same in every language (a language's name
    in its own script): it is sent as written and never looked up in a catalog.
    """

    key: str
    text: str
    prefix: str = ""
    translate: bool = True


def context(flow: Flow, params: dict[str, object]) -> dict[str, object]:
    """Params plus derived `P_date`/`P_time` for each datetime param (raw datetimes)."""
    ctx = dict(params)
    for name, kind in flow.params.items():
        if kind == "datetime" and isinstance(params.get(name), datetime):
            ctx[f"{name}_date"] = ctx[f"{name}_time"] = params[name]
    return ctx


def message_parts(flow: Flow, text_key: str, text: str, step: object) -> tuple[Part, ...]:
    """The parts of a message: its text, then for a question one line per choice."""
    parts = [Part(text_key, text)]
    if isinstance(step, AskStep):
        parts += [Part(f"{flow.id}.{step.id}.choice.{c.key}", c.label, f"{c.key} ", c.translate)
                  for c in step.choices or []]
    return tuple(parts)


def join_parts(parts: Sequence[Part]) -> str:
    """The whole message: one part per line, each after its prefix."""
    return "\n".join(p.prefix + p.text for p in parts)
