"""Choosing the text a client gets: their language if approved, else easy Swedish.

Only interpreter-approved translations are ever sent. Until approvals exist for a
language, its clients get the Swedish source and the fallback is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.i18n.languages import SOURCE

# (key, language) -> approved template or None. Replaced by the approval store.
ApprovedLookup = Callable[[str, str], str | None]


@dataclass(frozen=True)
class Resolved:
    template: str
    language: str
    fallback_from: str | None  # the client's language when it could not be used


def no_approvals(_key: str, _language: str) -> str | None:
    """The lookup used before any translation is approved."""
    return None


def resolve(key: str, source: str, language: str, approved: ApprovedLookup = no_approvals
            ) -> Resolved:
    """Pick the approved translation of `key` in `language`, or fall back to the source."""
    if language == SOURCE:
        return Resolved(source, SOURCE, None)
    text = approved(key, language)
    if text is not None:
        return Resolved(text, language, None)
    return Resolved(source, SOURCE, language)
