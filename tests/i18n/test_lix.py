"""LIX = words / sentences + 100 × long words / words, with the word and sentence rules
spelled out in bot/i18n/lix.py. Every expected value below is computed by hand."""

from __future__ import annotations

import pytest

from bot.i18n.lix import lix, sentences, words

CHECKIN = ("Hej {name}! Var du med på din aktivitet i dag?\n1 Ja\n2 Delvis\n3 Nej\n"
           "4 Jag vill prata med {case_manager}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 18 words (the choice digits are not words), 6 sentences (2 + one per choice
        # line), 1 long word (aktivitet; "Delvis" has exactly 6 letters): 3 + 100/18
        (CHECKIN, 18 / 6 + 100 * 1 / 18),
        # 12 words, 2 sentences, 3 long (meningen, innehåller, ovanligt): 6 + 25
        ("Det här är en mening. Den här meningen innehåller ovanligt långa ord.", 31.0),
        # a placeholder is one short word: 3 words, 1 sentence, 1 long (kontaktar)
        ("{case_manager} kontaktar dig.", 3 + 100 / 3),
        # digits are not words: 2 words, 1 sentence
        ("Svara 1 till 5.", 2.0),
        # "10:00" is no word and its colon ends nothing: 4 words, 2 sentences,
        # 2 long (klockan, Välkommen)
        ("Mötet är klockan 10:00. Välkommen!", 2 + 50),
        # a colon before a space ends a sentence: 4 words, 2 sentences
        ("Obs: kom i tid.", 2.0),
        # only letters count towards "long": SMS-koden has 8; 08-123 is no word
        ("Ring SMS-koden 08-123.", 2 + 50),
        ("Hm... ja.", 1.0),
        ("Hej du", 2.0),
        ("Vad bra! Tack för att du svarar.", 3.5),  # 7 words, 2 sentences, 0 long
        ("", 0.0),
        ("1 2 3", 0.0),
        ("...", 0.0),
    ],
)
def test_lix(text: str, expected: float) -> None:
    assert lix(text) == pytest.approx(expected)


def test_combining_marks_are_not_letters() -> None:
    nfd = "Va\u0308lkommen hit."  # "Välkommen" with a COMBINING DIAERESIS
    assert lix(nfd) == lix("Välkommen hit.") == pytest.approx(2 / 1 + 100 * 1 / 2)


def test_words_and_sentences_are_what_the_rules_say() -> None:
    assert words(CHECKIN) == ["Hej", "{name}!", "Var", "du", "med", "på", "din", "aktivitet",
                              "i", "dag?", "Ja", "Delvis", "Nej", "Jag", "vill", "prata", "med",
                              "{case_manager}"]
    assert sentences(CHECKIN) == [
        "Hej {name}", "Var du med på din aktivitet i dag", "1 Ja", "2 Delvis", "3 Nej",
        "4 Jag vill prata med {case_manager}"]
    assert sentences("Klockan 10:00. Vi ses!\n\n3\n") == ["Klockan 10:00", "Vi ses"]


def test_placeholders_never_make_a_word_long() -> None:
    # "{case_manager}s" is one word with one letter: 2 words, 1 sentence, 0 long
    assert lix("{case_manager}s nummer.") == 2.0
    assert lix("Hej {name}") == 2.0
