"""SMS encoding and segment counting, the way handsets and Twilio count them.

Every segment is billed and every extra segment risks a message arriving in pieces, so
flow texts carry a segment budget. GSM-7 fits 160 septets in one SMS and 153 per part of a
concatenated SMS (the user data header takes the rest); UCS-2 fits 70 UTF-16 code units,
67 per part. A part never ends in the middle of a GSM escape sequence or a UTF-16
surrogate pair, so such characters can push a message into one more segment than a plain
division would suggest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# GSM 03.38 basic character set (3GPP TS 23.038), without the escape code 0x1B itself.
# 0x09 is the capital C with cedilla; handsets that display it lowercase still send 0x09.
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (ESC + code).
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")
_GSM_ALL = GSM_BASIC | GSM_EXTENDED

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

Encoding = Literal["GSM-7", "UCS-2"]


@dataclass(frozen=True)
class SegmentCount:
    """How a text travels: its encoding, its length in septets or UTF-16 units, its parts."""

    encoding: Encoding
    units: int
    segments: int


def is_gsm7(text: str) -> bool:
    """True when every character of `text` exists in the GSM 03.38 alphabet."""
    return _GSM_ALL.issuperset(text)


def count_segments(text: str) -> SegmentCount:
    """Count the SMS parts `text` needs.

    An empty text still costs one (empty) SMS, as Twilio bills it, so it counts as one
    GSM-7 segment of zero units. Every queued message is counted, so the common case (a
    text that fits one part) is settled with C-level string operations alone.
    """
    if is_gsm7(text):
        encoding, single, multi = "GSM-7", GSM_SINGLE, GSM_MULTI
        units = len(text) + sum(text.count(ch) for ch in GSM_EXTENDED)
    else:
        encoding, single, multi = "UCS-2", UCS2_SINGLE, UCS2_MULTI
        units = len(text.encode("utf-16-le")) // 2  # a character above U+FFFF takes two
    if units <= single:
        return SegmentCount(encoding, units, 1)
    if encoding == "GSM-7":
        widths = [2 if ch in GSM_EXTENDED else 1 for ch in text]
    else:
        widths = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return SegmentCount(encoding, units, _parts(widths, multi))


def _parts(widths: list[int], multi: int) -> int:
    """Parts of `multi` units each, never splitting a 2-unit character across two."""
    parts, used = 1, 0
    for width in widths:
        if used + width > multi:
            parts += 1
            used = 0
        used += width
    return parts


# Characters that only ever matter to typography; they are always safe to replace.
_SPACES = {"\u00a0": " ", "\u202f": " "}
# Replacements that are only worth making when they let the whole text stay GSM-7.
_TYPOGRAPHY = {
    "\u2009": " ",  # thin space
    "\u200e": "",  # left-to-right mark
    "\u200f": "",  # right-to-left mark
    "\u2066": "",  # left-to-right isolate
    "\u2067": "",  # right-to-left isolate
    "\u2068": "",  # first strong isolate
    "\u2069": "",  # pop directional isolate
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
}
_SPACES_TABLE = str.maketrans(_SPACES)
_ALL_TABLE = str.maketrans({**_SPACES, **_TYPOGRAPHY})


def gsm_safe(text: str) -> str:
    """Replace typographic characters that would needlessly force UCS-2.

    A curly apostrophe from a word processor would otherwise more than double the cost of
    a Swedish text. Text that needs UCS-2 anyway (Arabic, Tigrinya, emoji...) keeps its
    quotes and its direction marks, which bidirectional text needs to render correctly;
    only non-breaking spaces become plain spaces there.
    """
    replaced = text.translate(_ALL_TABLE)
    if is_gsm7(replaced):
        return replaced
    return text.translate(_SPACES_TABLE)
