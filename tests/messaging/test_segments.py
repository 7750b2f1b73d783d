"""Segment counts match what handsets and Twilio bill, boundaries included."""

import random

import pytest

from bot.messaging.segments import (
    GSM_BASIC,
    GSM_EXTENDED,
    SegmentCount,
    count_segments,
    gsm_safe,
    is_gsm7,
)

EMOJI = "\U0001f600"  # one character, two UTF-16 code units


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a", "GSM-7", 1, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 80 + "a", "GSM-7", 161, 2),
        ("a" * 159 + "{", "GSM-7", 161, 2),
        ("ж" * 70, "UCS-2", 70, 1),
        ("ж" * 71, "UCS-2", 71, 2),
        ("ж" * 134, "UCS-2", 134, 2),
        ("ж" * 135, "UCS-2", 135, 3),
        (EMOJI, "UCS-2", 2, 1),
        (EMOJI * 35, "UCS-2", 70, 1),
        (EMOJI * 36, "UCS-2", 72, 2),
        ("a" * 69 + EMOJI, "UCS-2", 71, 2),
    ],
)
def test_counts_units_and_segments_at_the_boundaries(text, encoding, units, segments):
    assert count_segments(text) == SegmentCount(encoding, units, segments)


def test_escape_sequence_is_not_split_across_segments():
    # 306 septets would fit two parts of 153, but the € cannot start at septet 153.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 3


def test_escape_sequence_that_ends_exactly_at_the_boundary_fits():
    text = "a" * 151 + "€" + "a" * 153
    assert count_segments(text).units == 306
    assert count_segments(text).segments == 2


def test_surrogate_pair_is_not_split_across_segments():
    text = "ж" * 66 + EMOJI + "ж" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3


def test_emojis_fill_a_part_with_33_not_33_and_a_half():
    # 67 units per part, 2 per emoji: each part carries 33 emojis and wastes one unit.
    assert count_segments(EMOJI * 66).segments == 2
    assert count_segments(EMOJI * 67).segments == 3


@pytest.mark.parametrize(
    "text",
    [
        "Hej! Glöm inte mötet på fredag kl. 10 hos Åsa.",
        "ÅÄÖ åäö Éé Üü Ññ Øø Ææ ß à è é ù ì ò Ç",
        "Pris: 100 € [rabatt] {kod} ~ | ^ \\",
        "Ring 020-123 45 @ £ $ ¥ ¤ § ¿ ¡ _",
    ],
)
def test_swedish_and_gsm_symbols_stay_gsm7(text):
    assert count_segments(text).encoding == "GSM-7"


@pytest.mark.parametrize(
    "text",
    [
        "مرحبا، موعدك يوم الجمعة",  # Arabic
        "ሰላም፣ ቆጸራኻ ዓርቢ እዩ",  # Tigrinya
        "Привет, встреча в пятницу",  # Russian
        "Hej ç",  # lower-case c cedilla is not in the GSM alphabet
    ],
)
def test_other_scripts_need_ucs2_one_unit_per_character(text):
    assert count_segments(text) == SegmentCount("UCS-2", len(text), 1)


def test_emoji_counts_two_units():
    assert count_segments("Hej " + EMOJI) == SegmentCount("UCS-2", 6, 1)


def test_every_extension_character_costs_two_septets():
    assert len(GSM_EXTENDED) == 10
    for ch in GSM_EXTENDED:
        assert count_segments(ch).units == 2
    assert count_segments("".join(sorted(GSM_BASIC))).units == len(GSM_BASIC) == 127


def test_escape_character_itself_is_not_gsm7():
    assert not is_gsm7("\x1b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hej \u2019du\u2019 \u2013 kl.\u00a010\u2026", "Hej 'du' - kl. 10..."),
        ("\u201cVälkommen\u201d \u2014 Åsa", '"Välkommen" - Åsa'),
        ("10\u202f000\u2009kr", "10 000 kr"),
        ("\u2066Ali\u2069 \u200e\u200fkommer", "Ali kommer"),
        ("\u2018a\u2019", "'a'"),
    ],
)
def test_gsm_safe_replaces_typography_that_would_force_ucs2(text, expected):
    assert count_segments(text).encoding == "UCS-2"
    assert gsm_safe(text) == expected
    assert count_segments(gsm_safe(text)).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\u201cمرحبا\u201d\u00a0\u200fعلي\u2026", "\u201cمرحبا\u201d \u200fعلي\u2026"),
        ("Hej\u202f\u2019du\u2019 " + EMOJI, "Hej \u2019du\u2019 " + EMOJI),
        ("ሰላም\u2009\u2013 ok", "ሰላም\u2009\u2013 ok"),
    ],
)
def test_gsm_safe_leaves_text_that_needs_ucs2_anyway(text, expected):
    assert gsm_safe(text) == expected


def test_gsm_safe_does_not_touch_plain_gsm_text():
    text = "Hej! Ring 020-12 34 56, [kod] {42} €5."
    assert gsm_safe(text) == text


def _reference(text: str) -> tuple[str, int, int]:
    """The count spelled out character by character, to check the fast path against."""
    gsm = all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in text)
    if gsm:
        widths, single, multi = [2 if ch in GSM_EXTENDED else 1 for ch in text], 160, 153
    else:
        widths, single, multi = [2 if ord(ch) > 0xFFFF else 1 for ch in text], 70, 67
    units, segments, used = sum(widths), 1, 0
    if units > single:
        for width in widths:
            if used + width > multi:
                segments, used = segments + 1, 0
            used += width
    return ("GSM-7" if gsm else "UCS-2"), units, segments


def test_fast_count_agrees_with_the_character_by_character_count():
    rng = random.Random(20261123)
    alphabet = "aåäöÅÄÖ €[]{}~^|\\\n" + "حمد" + "ሰላም" + "😀👍🏽"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet[:19] if rng.random() < 0.5 else alphabet)
                       for _ in range(rng.randint(0, 400)))
        got = count_segments(text)
        assert (got.encoding, got.units, got.segments) == _reference(text), text
