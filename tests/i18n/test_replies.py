"""Reply normalisation and choice matching, exact about Unicode."""

from __future__ import annotations

import pytest

from bot.flows.schema import Choice
from bot.i18n.replies import match_choice, normalise

CHOICES = [
    Choice(key="1", value="yes", label="Ja, jag kommer", words=["ja", "yes", "👍"]),
    Choice(key="2", value="no", label="Nej", words=["nej", "no", "👎"]),
    Choice(key="3", value="talk", label="Jag vill prata med {case_manager}", words=["prata"]),
]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ja!  ", "ja"),
        ("HJÄLP", "hjalp"),
        ("Hjälp.", "hjalp"),
        ("A\u030a", "a"),  # "Å" written as A + COMBINING RING ABOVE
        ("ＳＴＯＰＰ", "stopp"),  # fullwidth letters (NFKC)
        ("Straße", "strasse"),  # casefold
        ("\u200fنعم\u200e", "نعم"),  # RLM / LRM around Arabic
        ("\u202bנ\u202c", "נ"),  # embedding marks
        ("\u2067٢\u2069", "2"),  # isolates around ARABIC-INDIC DIGIT TWO
        ("۳", "3"),  # EXTENDED ARABIC-INDIC (Persian) DIGIT THREE
        ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("\ufeff1\u200b", "1"),  # BOM and zero-width space
        ("ja\u200dtack", "jatack"),  # zero-width joiner inside
        ("ja   \n tack", "ja tack"),  # inner whitespace collapsed
        ("«1»", "1"),
        ("مَرحَبًا", "مرحبا"),  # Arabic harakat are optional for matching
        ("👍🏽", "👍"),  # skin tone dropped
        ("👍\ufe0f", "👍"),  # emoji presentation selector dropped
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("1", "yes"),
        ("1.", "yes"),
        ("1 ja", "yes"),
        ("2 ja", "no"),  # the digit wins over a word
        ("1)", "yes"),
        ("٢", "no"),
        ("۳", "talk"),
        ("\u200f٢", "no"),
        ("JA", "yes"),
        ("Yes!", "yes"),
        ("ja, jag kommer", "yes"),  # the label itself
        ("👍", "yes"),
        ("👍🏼", "yes"),
        ("👎", "no"),
        ("Prata", "talk"),
        ("12", None),
        ("4", None),
        ("0", None),
        ("ja tack", None),  # whole message only
        ("", None),
        ("   ", None),
    ],
)
def test_match_choice(reply: str, value: str | None) -> None:
    choice = match_choice(reply, CHOICES)
    assert (choice.value if choice else None) == value


def test_extra_words_are_keyed_by_choice_value() -> None:
    assert match_choice("تحدث", CHOICES) is None
    choice = match_choice("تحدث", CHOICES, {"talk": ["تحدث"]})
    assert choice is not None and choice.key == "3"


def test_thumbs_match_yes_and_no_choices_without_listing_them() -> None:
    plain = [Choice(key="1", value="yes", label="Ja"), Choice(key="2", value="no", label="Nej"),
             Choice(key="3", value="talk", label="P")]
    assert match_choice("👍", plain).value == "yes"
    assert match_choice("👎🏿", plain).value == "no"


def test_thumbs_only_match_other_choices_when_they_list_them() -> None:
    plain = [Choice(key="1", value="coming", label="Ja"), Choice(key="2", value="talk", label="P")]
    assert match_choice("👍", plain) is None
