"""Yes/no in every language, numbers in every digit script, and the word tables' sanity."""

from __future__ import annotations

from typing import get_args

import pytest

from bot.flows.schema import Choice
from bot.i18n.languages import LANGUAGES
from bot.i18n.replies import match_choice, normalise
from bot.i18n.reply_words import ALWAYS, KEYWORDS, YES_NO, Keyword, yes_no_words

YES_NO_CHOICES = [
    Choice(key="1", value="yes", label="Ja"),
    Choice(key="2", value="partly", label="Delvis"),
    Choice(key="3", value="no", label="Nej"),
    Choice(key="4", value="talk", label="Jag vill prata med {case_manager}"),
]

# (language, yes, no) exactly as a client's keyboard writes them.
YES_NO_BY_LANGUAGE = [
    ("sv", "ja", "nej"),
    ("en", "yes", "no"),
    ("ar", "\u0646\u0639\u0645", "\u0644\u0627"),  # نعم / لا
    ("so", "haa", "maya"),
    ("ti", "\u12a5\u12c8", "\u12a3\u12ed\u134b\u120d"),  # እወ / ኣይፋል
    ("fa_AF", "\u0628\u0644\u0647", "\u0646\u0647"),  # بله / نه
    ("fa", "\u0622\u0631\u0647", "\u0646\u0647"),  # آره / نه
    ("ckb", "\u0628\u06d5\u06b5\u06ce", "\u0646\u06d5\u062e\u06ce\u0631"),  # بەڵێ / نەخێر
    ("ku", "er\u00ea", "na"),  # erê / na
    ("uk", "\u0442\u0430\u043a", "\u043d\u0456"),  # так / ні
    ("tr", "evet", "hay\u0131r"),  # hayır, with dotless i
    ("pl", "tak", "nie"),
    ("am", "\u12a0\u12ce", "\u12a0\u12ed"),  # አዎ / አይ
    ("ru", "\u0434\u0430", "\u043d\u0435\u0442"),  # да / нет
    ("bs", "da", "ne"),
]


def _value(reply: str) -> str | None:
    choice = match_choice(reply, YES_NO_CHOICES)
    return choice.value if choice else None


def test_every_language_has_yes_no_and_all_keywords() -> None:
    assert set(YES_NO) - {"emoji"} == set(LANGUAGES)
    assert set(KEYWORDS) - {"twilio"} == set(LANGUAGES)
    for code in LANGUAGES:
        assert set(KEYWORDS[code]) == set(get_args(Keyword)), code
    assert {row[0] for row in YES_NO_BY_LANGUAGE} == set(LANGUAGES)


@pytest.mark.parametrize(("code", "yes", "no"), YES_NO_BY_LANGUAGE)
def test_yes_and_no_in_every_language(code: str, yes: str, no: str) -> None:
    assert yes in YES_NO[code][0] and no in YES_NO[code][1]
    assert (_value(yes), _value(no)) == ("yes", "no")


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("JA!", "yes"),
        ("Nej.", "no"),
        ("ERÊ", "yes"),  # Kurmanji, capitals
        ("ere", "yes"),  # … and without the circumflex
        ("HAYIR", "no"),  # Turkish capitals: I, not İ
        ("hayir", "no"),
        ("Hay\u0131r", "no"),  # dotless ı
        ("\u0646\u0639\u0645\u061f", "yes"),  # نعم؟ with the ARABIC QUESTION MARK
        ("\u200f\u0646\u0639\u0645\u200f", "yes"),  # RLM around نعم
        ("\u061c\u0644\u0627", "no"),  # ARABIC LETTER MARK + لا
        ("\u2067\u0628\u0644\u0647\u2069", "yes"),  # isolates around بله
        ("\u0646\u064e\u0639\u064e\u0645\u0652", "yes"),  # نَعَمْ with harakat
        ("\u0623\u062c\u0644", "yes"),  # أجل
        ("\u0627\u062c\u0644", "yes"),  # اجل, typed without the hamza
        ("\u0627\u0631\u0647", "yes"),  # اره: آره without the madda
        ("\u0628\u0644\u064a", "yes"),  # بلي: Arabic yeh for Persian ی in بلی
        ("\u12a5\u12c8\u1362", "yes"),  # እወ። with the ETHIOPIC FULL STOP
        ("\u0422\u0410\u041a", "yes"),  # ТАК
        ("\u041d\u0415\u0422!", "no"),  # НЕТ!
        ("\u0434\u0430", "yes"),  # да (Russian, Serbian Cyrillic)
        ("\u043d\u0435", "no"),  # не (Serbian Cyrillic)
        ("\U0001f44d", "yes"),
        ("\U0001f44d\U0001f3fd", "yes"),  # medium skin tone
        ("\U0001f44d\ufe0f", "yes"),  # emoji presentation selector
        ("\U0001f44e\U0001f3ff", "no"),
        (" \U0001f44e ", "no"),
        ("\U0001f44d\U0001f44d", None),  # the whole message must be one word
        ("ja nej", None),
        ("jaa", None),
    ],
)
def test_yes_no_however_typed(reply: str, value: str | None) -> None:
    assert _value(reply) == value


def test_yes_no_words_only_select_yes_and_no_choices() -> None:
    choices = [Choice(key="1", value="coming", label="Kommer"),
               Choice(key="2", value="talk", label="Prata")]
    assert match_choice("\u0646\u0639\u0645", choices) is None
    assert match_choice("nej", choices) is None


def test_no_word_means_both_yes_and_no() -> None:
    words = yes_no_words()
    yes = {normalise(w) for w in words["yes"]}
    no = {normalise(w) for w in words["no"]}
    assert yes & no == set()
    assert "" not in yes | no


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_keywords_are_unambiguous_for_each_client_language(code: str) -> None:
    seen: dict[str, str] = {}
    for table in (*ALWAYS, code):
        for keyword, words in KEYWORDS[table].items():
            for word in words:
                normal = normalise(word)
                assert normal and not normal.isdigit(), word
                assert seen.setdefault(normal, keyword) == keyword, (table, word)


def test_keywords_never_swallow_a_yes_or_no() -> None:
    words = yes_no_words()
    answers = {normalise(w) for w in words["yes"] + words["no"]}
    keywords = {normalise(w) for table in KEYWORDS.values() for ws in table.values() for w in ws}
    assert keywords & answers == set()


MENU = [Choice(key=str(n), value=f"v{n}", label=f"Val {n}") for n in range(1, 17)]


@pytest.mark.parametrize(
    ("reply", "key"),
    [
        ("10", "10"),
        ("15", "15"),
        ("16.", "16"),
        ("12 polski", "12"),
        ("\u0661\u0660", "10"),  # ١٠ ARABIC-INDIC
        ("\u0661\u0662", "12"),  # ١٢
        ("\u200f\u0661\u0665", "15"),  # RLM + ١٥
        ("\u06f1\u06f3", "13"),  # ۱۳ EXTENDED ARABIC-INDIC (Persian)
        ("\u06f1\u06f6", "16"),  # ۱۶
        ("\u0661\u06f1", "11"),  # one Arabic-Indic and one Persian digit
        ("\uff11\uff14", "14"),  # fullwidth １４
        ("01", "1"),
        ("1", "1"),
        ("17", None),
        ("0", None),
        ("100", None),
    ],
)
def test_numbers_in_every_digit_script(reply: str, key: str | None) -> None:
    choice = match_choice(reply, MENU)
    assert (choice.key if choice else None) == key


def test_a_number_beyond_the_choices_does_not_fall_back_to_its_first_digit() -> None:
    assert match_choice("12", YES_NO_CHOICES) is None
