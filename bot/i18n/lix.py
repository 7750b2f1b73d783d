"""LIX (läsbarhetsindex, Björnsson 1968): how easy a Swedish text is to read.

    LIX = words / sentences + 100 × long words / words

Easy Swedish (lättläst) stays at 30 or below. Knuff computes LIX over the whole message
a client receives — the text and its choice lines — with these precise rules:

- A *word* is a whitespace-separated token with at least one letter, once surrounding
  punctuation is stripped. Tokens without letters ("1", "10:00", "-", "👍") are not
  words: a choice line "3 Nej" has one word.
- A `{placeholder}` is one word and its name counts no letters: it stands for a name,
  a date or a time the client knows, which does not make a text hard to read.
- A word is *long* when it has more than six letters (digits, hyphens and other
  non-letters are not counted: "SMS-koden" has eight).
- A *sentence* ends at ".", "!", "?" or ":" followed by whitespace or the end of the text,
  and at every line break, so each choice line is a sentence of its own. A stretch with
  no words ("…", an empty line) is not a sentence. A colon inside a token ("10:00") ends
  nothing.
"""

from __future__ import annotations

import re

from bot.i18n.render import PLACEHOLDER

EASY_SWEDISH_MAX = 30.0
LONG_WORD = 6  # a long word has more than this many letters

_SENTENCE_END = re.compile(r"[.!?:]+(?=\s|$)")


def words(text: str) -> list[str]:
    """The words of `text` as written (see the module docstring); a placeholder is one."""
    return [token for token in text.split()
            if PLACEHOLDER.search(token) or any(char.isalpha() for char in token)]


def _letters(word: str) -> int:
    """Letters in a word, not counting the name of a placeholder."""
    return sum(char.isalpha() for char in PLACEHOLDER.sub("", word))


def sentences(text: str) -> list[str]:
    """The sentences of `text` that contain at least one word."""
    pieces = [piece for line in text.splitlines() for piece in _SENTENCE_END.split(line)]
    return [piece.strip() for piece in pieces if words(piece)]


def lix(text: str) -> float:
    """The LIX of `text`; 0.0 for a text without words."""
    all_words = words(text)
    if not all_words:
        return 0.0
    long_words = sum(_letters(word) > LONG_WORD for word in all_words)
    return len(all_words) / len(sentences(text)) + 100 * long_words / len(all_words)
