"""Global keywords a client can send at any time, in any flow.

A keyword counts only when it is the whole message ("STOPP", "stopp!"), never inside a
sentence. Swedish, English (and Twilio's opt-out words) count for everyone; a client's
own language counts for that client. The words are data in `bot.i18n.reply_words`.
"""

from __future__ import annotations

from bot.i18n.languages import language
from bot.i18n.replies import normalise
from bot.i18n.reply_words import ALWAYS, KEYWORDS, Keyword

__all__ = ["KEYWORDS", "Keyword", "keyword_words", "match_keyword"]


def _tables(client_language: str | None) -> list[str]:
    """The KEYWORDS tables that count for a client writing in `client_language`."""
    tables = list(ALWAYS)
    if client_language:
        try:
            code = language(client_language).code
        except ValueError:  # an unknown code must never stop STOPP from working
            code = client_language
        if code not in tables:
            tables.append(code)
    return tables


def keyword_words(client_language: str | None = None) -> dict[str, Keyword]:
    """Normalised word -> keyword, for Swedish, English and the client's language."""
    index: dict[str, Keyword] = {}
    for table in _tables(client_language):
        for keyword, words in KEYWORDS.get(table, {}).items():
            index.update({normalise(word): keyword for word in words})
    return index


def match_keyword(text: str, language: str | None = None) -> Keyword | None:
    """Return the keyword the whole message is, or None for an ordinary message.

    `language` is the client's language code; its keywords count as well as the
    Swedish and English ones.
    """
    return keyword_words(language).get(normalise(text))
