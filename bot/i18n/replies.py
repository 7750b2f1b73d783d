"""Normalise client replies and match them to a question's choices.

Pure functions: replies arrive from many phones, keyboards and scripts, so a digit
or a word must match however it was typed (case, diacritics, bidi marks, digit forms).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

from bot.i18n.reply_words import yes_no_words


class ChoiceLike(Protocol):
    """What matching needs of a question's answer (a flow's `Choice`); i18n knows no flows."""

    @property
    def key(self) -> str: ...
    @property
    def value(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def words(self) -> list[str]: ...
    @property
    def means(self) -> str | None: ...


Choice = TypeVar("Choice", bound=ChoiceLike)

# Invisible marks phones and RTL keyboards insert: LRM/RLM, the Arabic letter mark, bidi
# embeddings, overrides and isolates, zero-width space/non-joiner/joiner, word joiner,
# BOM, soft hyphen, Arabic tatweel. Also emoji presentation selectors and skin-tone
# modifiers, so that 👍🏽 and 👍️ compare equal to 👍.
_INVISIBLE = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     *range(0x200B, 0x200E), 0x2060, 0xFEFF, 0x00AD, 0x0640, 0xFE0E, 0xFE0F,
     *range(0x1F3FB, 0x1F400)]
)
# Arabic-Indic (U+0660-0669) and Persian/Extended Arabic-Indic (U+06F0-06F9) digits.
_DIGITS = {
    **{0x0660 + i: str(i) for i in range(10)},
    **{0x06F0 + i: str(i) for i in range(10)},
}
# Letters that keyboards swap for one another: Turkish dotless i, Polish ł, Bosnian đ,
# Nordic ø; Arabic yeh, alef maksura and kaf typed for the Persian forms; ta marbuta
# written as heh. Applied to both sides of every comparison, so folding is safe.
_LETTERS = str.maketrans({
    "ı": "i", "ł": "l", "đ": "d", "ø": "o",
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0643": "\u06a9", "\u0629": "\u0647",
})
# Scripts whose combining marks are optional for matching: Latin accents (hjälp/hjalp),
# Cyrillic breve and diaeresis (й/и, ё/е), Arabic harakat, hamza and madda (أ/ا, آ/ا).
_FOLDED_SCRIPTS = ("LATIN ", "CYRILLIC ", "ARABIC ")
_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^([0-9]+)")


def _is_edge(char: str) -> bool:
    """Characters stripped from both ends of a reply: punctuation, separators, controls."""
    return unicodedata.category(char)[0] in "PZC" or char.isspace()


def _strip_marks(text: str) -> str:
    """Drop combining marks that sit on a Latin, Cyrillic or Arabic letter.

    Marks on other scripts (Ge'ez, Indic vowel signs) carry meaning and are kept.
    """
    kept: list[str] = []
    base_folds = False
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char):
            if not base_folds:
                kept.append(char)
            continue
        base_folds = unicodedata.name(char, "").startswith(_FOLDED_SCRIPTS)
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def normalise(text: str) -> str:
    """Return the comparable form of a reply: NFKC, casefolded, diacritics and invisible
    marks removed, look-alike letters folded, Eastern digits as ASCII, edges trimmed,
    spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).translate(_DIGITS)
    text = _strip_marks(text.casefold()).translate(_LETTERS)
    start, end = 0, len(text)
    while start < end and _is_edge(text[start]):
        start += 1
    while end > start and _is_edge(text[end - 1]):
        end -= 1
    return _SPACES.sub(" ", text[start:end])


def choice_words(choice: Choice, extra: Iterable[str] = ()) -> set[str]:
    """Every normalised word that selects `choice`: its label, its words, `extra`, and
    for a choice valued "yes" or "no" the yes or no words of every language."""
    automatic = yes_no_words().get(choice.means or choice.value, [])
    words = [choice.label, *choice.words, *extra, *automatic]
    return {normalise(word) for word in words} - {""}


def match_choice(
    text: str,
    choices: list[Choice],
    extra_words: Mapping[str, list[str]] | None = None,
) -> Choice | None:
    """Return the choice a reply selects, or None when it selects none.

    A reply that starts with a number in any digit script ("2", "2.", "2 ja", "١٢")
    selects that key and nothing else; otherwise the whole reply must equal one of a
    choice's words or its label. `extra_words` maps a choice *value* to more words (e.g.
    translated choice words from the catalogs).
    """
    reply = normalise(text)
    if not reply:
        return None
    number = _LEADING_NUMBER.match(reply)
    if number:
        key = str(int(number.group(1)))
        return next((c for c in choices if c.key == key), None)
    extra_words = extra_words or {}
    for choice in choices:
        if reply in choice_words(choice, extra_words.get(choice.value, [])):
            return choice
    return None
