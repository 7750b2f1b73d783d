"""Normalise client replies and match them to a question's choices.

Pure functions: replies arrive from many phones, keyboards and scripts, so a digit
or a word must match however it was typed (case, diacritics, bidi marks, digit forms).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine.flow import Choice

# Invisible marks phones and RTL keyboards insert: LRM/RLM, embeddings and overrides,
# isolates, zero-width space/joiners, BOM. Also emoji presentation selectors and skin-tone
# modifiers, so that 👍🏽 and 👍️ compare equal to 👍.
_INVISIBLE = dict.fromkeys(
    [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     *range(0x200B, 0x200E), 0xFEFF, 0xFE0E, 0xFE0F, *range(0x1F3FB, 0x1F400)]
)
# Arabic-Indic (U+0660-0669) and Persian/Extended Arabic-Indic (U+06F0-06F9) digits.
_DIGITS = {
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
}
_SPACES = re.compile(r"\s+")
_LEADING_DIGIT = re.compile(r"^([0-9])(?![0-9])")


def _is_edge(char: str) -> bool:
    """Characters stripped from both ends of a reply: punctuation, separators, controls."""
    return unicodedata.category(char)[0] in "PZC" or char.isspace()


def _strip_latin_marks(text: str) -> str:
    """Drop combining marks that sit on a Latin letter ("hjälp" -> "hjalp").

    Marks on other scripts (Arabic harakat, Ge'ez) carry meaning and are kept.
    """
    kept: list[str] = []
    base_is_latin = False
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            if not base_is_latin:
                kept.append(char)
            continue
        base_is_latin = unicodedata.name(char, "").startswith("LATIN ")
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def normalise(text: str) -> str:
    """Return the comparable form of a reply: NFKC, casefolded, Latin diacritics and
    invisible marks removed, Eastern digits as ASCII, edges trimmed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DIGITS)
    text = _strip_latin_marks(text.casefold())
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return _SPACES.sub(" ", text[start:end])


def _words(choice: Choice, extra: Iterable[str]) -> set[str]:
    """Every normalised word that selects `choice`, its label included."""
    return {normalise(word) for word in [choice.label, *choice.words, *extra]} - {""}


def match_choice(
    text: str,
    choices: list[Choice],
    extra_words: Mapping[str, list[str]] | None = None,
) -> Choice | None:
    """Return the choice a reply selects, or None when it selects none.

    A reply that starts with a single digit ("2", "2.", "2 ja") selects that key and
    nothing else; otherwise the whole reply must equal one of a choice's words or its
    label. `extra_words` maps a choice *value* to more words (e.g. translated yes/no).
    """
    reply = normalise(text)
    if not reply:
        return None
    digit = _LEADING_DIGIT.match(reply)
    if digit:
        return next((c for c in choices if c.key == digit.group(1)), None)
    extra_words = extra_words or {}
    for choice in choices:
        if reply in _words(choice, extra_words.get(choice.value, [])):
            return choice
    return None
