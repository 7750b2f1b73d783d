"""Global keywords: whole message only, any case, diacritics optional."""

from __future__ import annotations

import pytest

from bot.engine.keywords import KEYWORDS, match_keyword


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("STOPP", "stop"),
        ("stop", "stop"),
        (" Stopp! ", "stop"),
        ("UNSUBSCRIBE", "stop"),
        ("cancel", "stop"),
        ("End", "stop"),
        ("QUIT", "stop"),
        ("STOPALL", "stop"),
        ("START", "start"),
        ("start.", "start"),
        ("HJÄLP", "help"),
        ("hjalp", "help"),
        ("Hjälp?", "help"),
        ("help", "help"),
        ("\u200fSTOPP", "stop"),
        ("stoppa", None),
        ("avsluta", None),
        ("snälla stopp", None),
        ("stop sending", None),
        ("jag behöver hjälp", None),
        ("1", None),
        ("", None),
    ],
)
def test_match_keyword(text: str, keyword: str | None) -> None:
    assert match_keyword(text) == keyword


def test_a_new_language_is_a_data_change(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(KEYWORDS, "xx", {"stop": ("PARA",)})
    assert match_keyword("para", "xx") == "stop"
    assert match_keyword("para") is None


@pytest.mark.parametrize(
    ("text", "keyword"),
    [("TOLK", "interpreter"), ("tolk!", "interpreter"), ("INTERPRETER", "interpreter"),
     ("SPRÅK", "language"), ("sprak", "language"), ("Språk?", "language"),
     ("LANGUAGE", "language"), ("language.", "language")],
)
def test_interpreter_and_language_keywords(text: str, keyword: str) -> None:
    assert match_keyword(text) == keyword


# One word per keyword per language, exactly as typed (drafts for interpreter review).
OWN_LANGUAGE = [
    ("ar", "\u062a\u0648\u0642\u0641", "stop"),  # توقف
    ("ar", "\u0627\u0628\u062f\u0623", "start"),  # ابدأ
    ("ar", "\u0645\u0633\u0627\u0639\u062f\u0629", "help"),  # مساعدة
    ("ar", "\u0645\u062a\u0631\u062c\u0645", "interpreter"),  # مترجم
    ("ar", "\u0644\u063a\u0629", "language"),  # لغة
    ("so", "JOOJI", "stop"), ("so", "Bilow", "start"), ("so", "caawimaad", "help"),
    ("so", "TURJUMAAN", "interpreter"), ("so", "LUQADDA", "language"),
    ("ti", "\u1213\u1308\u12dd", "help"),  # ሓገዝ
    ("ti", "\u1270\u122d\u1313\u121a", "interpreter"),  # ተርጓሚ
    ("fa_AF", "\u062a\u0631\u062c\u0645\u0627\u0646", "interpreter"),  # ترجمان
    ("fa_AF", "\u0632\u0628\u0627\u0646", "language"),  # زبان
    ("fa", "\u06a9\u0645\u06a9", "help"),  # کمک with Persian keheh
    ("fa", "\u0643\u0645\u0643", "help"),  # كمك typed with Arabic kaf
    ("ckb", "\u06cc\u0627\u0631\u0645\u06d5\u062a\u06cc", "help"),  # یارمەتی
    ("ckb", "\u0632\u0645\u0627\u0646", "language"),  # زمان
    ("ku", "alikari", "help"), ("ku", "ALÎKARÎ", "help"), ("ku", "ziman", "language"),
    ("uk", "\u0441\u0442\u043e\u043f", "stop"),  # стоп
    ("uk", "\u0414\u041e\u041f\u041e\u041c\u041e\u0413\u0410", "help"),  # ДОПОМОГА
    ("uk", "\u041c\u043e\u0432\u0430", "language"),  # Мова
    ("tr", "YARDIM", "help"), ("tr", "yard\u0131m", "help"), ("tr", "D\u0130L", "language"),
    ("tr", "dil", "language"), ("tr", "terc\u00fcman", "interpreter"),
    ("tr", "tercuman", "interpreter"), ("tr", "BA\u015eLA", "start"),
    ("pl", "POMOC", "help"), ("pl", "t\u0142umacz", "interpreter"),
    ("pl", "tlumacz", "interpreter"), ("pl", "j\u0119zyk", "language"),
    ("am", "\u12a5\u122d\u12f3\u1273", "help"),  # እርዳታ
    ("am", "\u124b\u1295\u124b", "language"),  # ቋንቋ
    ("ru", "\u041f\u041e\u041c\u041e\u0429\u042c", "help"),  # ПОМОЩЬ
    ("ru", "\u044f\u0437\u044b\u043a", "language"),  # язык
    ("bs", "POMO\u0106", "help"), ("bs", "pomoc", "help"),
    ("bs", "\u041f\u041e\u041c\u041e\u040b", "help"),  # ПОМОЋ
    ("bs", "tuma\u010d", "interpreter"), ("bs", "JEZIK", "language"),
]


@pytest.mark.parametrize(("language", "text", "keyword"), OWN_LANGUAGE)
def test_keywords_in_the_clients_language(language: str, text: str, keyword: str) -> None:
    assert match_keyword(text, language) == keyword


@pytest.mark.parametrize(
    ("language", "text"),
    [("ar", "\u0645\u0633\u0627\u0639\u062f\u0629"), ("so", "JOOJI"), ("tr", "YARDIM"),
     ("ru", "\u041f\u041e\u041c\u041e\u0429\u042c")],
)
def test_another_languages_keywords_are_ordinary_messages(language: str, text: str) -> None:
    assert match_keyword(text) is None
    assert match_keyword(text, "sv") is None
    assert match_keyword(text, "en") is None
    assert match_keyword(text, language) is not None


@pytest.mark.parametrize("language", ["sv", "en", "ar", "ti", "fa_AF", "ku", "bs"])
@pytest.mark.parametrize(("text", "keyword"),
                         [("STOPP", "stop"), ("STOP", "stop"), ("START", "start"),
                          ("HJÄLP", "help"), ("HELP", "help"), ("TOLK", "interpreter"),
                          ("SPRÅK", "language"), ("LANGUAGE", "language")])
def test_swedish_and_english_work_for_every_client(language: str, text: str,
                                                   keyword: str) -> None:
    assert match_keyword(text, language) == keyword


def test_language_codes_are_looked_up_like_the_registry_does() -> None:
    assert match_keyword("ALÎKARÎ", "kmr") == "help"  # Babel's code for Kurmanji
    assert match_keyword("\u062a\u0631\u062c\u0645\u0627\u0646", "fa-AF") == "interpreter"
    assert match_keyword("\u062a\u0631\u062c\u0645\u0627\u0646", "prs") == "interpreter"


def test_an_unknown_language_never_stops_stopp_from_working() -> None:
    assert match_keyword("STOPP", "xx") == "stop"
    assert match_keyword("stop", "") == "stop"
