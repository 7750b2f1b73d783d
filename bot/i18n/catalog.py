"""Choosing the text a client gets: their language if approved, else easy Swedish.

Only interpreter-approved translations are ever sent. A message is made of parts (a
question and its numbered answers); it goes out in the client's language only when every
part is approved there, so a client never gets half a message in another language.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.i18n.languages import SOURCE

# (key, language) -> approved template or None.
ApprovedLookup = Callable[[str, str], str | None]


class PartLike(Protocol):
    key: str
    text: str
    prefix: str
    translate: bool


class MessageLike(Protocol):
    key: str
    template: str
    parts: Sequence[PartLike]


@dataclass(frozen=True)
class Resolved:
    template: str
    language: str
    fallback_from: str | None  # the client's language when it could not be used


def no_approvals(_key: str, _language: str) -> str | None:
    """The lookup used before any translation is approved."""
    return None


def resolve(message: MessageLike, language: str, approved: ApprovedLookup = no_approvals
            ) -> Resolved:
    """The whole message in `language` if every part is approved there, else the source."""
    if language == SOURCE:
        return Resolved(message.template, SOURCE, None)
    if not message.parts:
        text = approved(message.key, language)
        if text is None:
            return Resolved(message.template, SOURCE, language)
        return Resolved(text, language, None)
    lines = []
    for part in message.parts:
        text = approved(part.key, language) if part.translate else part.text
        if text is None:
            return Resolved(message.template, SOURCE, language)
        lines.append(part.prefix + text)
    return Resolved("\n".join(lines), language, None)
