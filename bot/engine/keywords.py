"""Global keywords a client can send at any time, in any flow.

A keyword counts only when it is the whole message ("STOPP", "stopp!"), never inside a
sentence. KEYWORDS is data: a new language adds an entry here, not code.
"""

from __future__ import annotations

from typing import Literal

from bot.i18n.replies import normalise

Keyword = Literal["stop", "start", "help"]

# language (or source) -> keyword -> words. Matching ignores case, diacritics and
# surrounding punctuation, so "HJÄLP", "hjalp" and "Hjälp!" are the same.
KEYWORDS: dict[str, dict[Keyword, tuple[str, ...]]] = {
    "sv": {"stop": ("STOPP",), "start": ("START",), "help": ("HJÄLP", "HJALP")},
    "en": {"stop": ("STOP",), "start": ("START",), "help": ("HELP",)},
    # Twilio's own opt-out words: Twilio blocks the number on these whatever we do,
    # so Knuff must treat them as STOP to keep its records true.
    "twilio": {"stop": ("STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), "start": ("UNSTOP",)},
}


def _index() -> dict[str, Keyword]:
    """Normalised word -> keyword, across every language."""
    index: dict[str, Keyword] = {}
    for by_keyword in KEYWORDS.values():
        for keyword, words in by_keyword.items():
            index.update({normalise(word): keyword for word in words})
    return index


def match_keyword(text: str) -> Keyword | None:
    """Return the keyword the whole message is, or None for an ordinary message."""
    return _index().get(normalise(text))
