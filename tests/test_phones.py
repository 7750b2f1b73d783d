"""Phone numbers: Swedish ways of writing them, and clear refusals."""

from __future__ import annotations

import pytest

from bot.phones import InvalidPhone, mask, parse_mobile


@pytest.mark.parametrize("text", [
    "070-174 06 05", "0701740605", "070 174 06 05", "+46 70 174 06 05", "+46701740605",
    "0046701740605", "(070) 174 06 05", " 070-1740605 ",
])
def test_swedish_mobile_formats_become_e164(text):
    assert parse_mobile(text) == "+46701740605"


@pytest.mark.parametrize("text, reason", [
    ("08-123 456 78", "not a mobile number"),
    ("031-123 45 67", "not a mobile number"),
    ("070-12", "not a valid phone number"),
    ("", "phone number is empty"),
    ("ring mig", "is not a phone number"),
    ("٠٧٠١٧٤٠٦٠٥", None),  # Arabic-Indic digits are read as digits
])
def test_landlines_and_invalid_numbers_are_refused(text, reason):
    if reason is None:
        assert parse_mobile(text) == "+46701740605"
        return
    with pytest.raises(InvalidPhone, match=reason):
        parse_mobile(text)


def test_foreign_mobiles_are_accepted_with_country_code():
    assert parse_mobile("+358 40 1234567") == "+358401234567"


def test_mask_hides_all_but_the_ends():
    assert mask("+46701740605") == "+4670*****05"
    assert mask(None) == "-"
