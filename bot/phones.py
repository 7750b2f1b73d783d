"""Phone numbers: validated with `phonenumbers`, stored as E.164, never logged in full."""

from __future__ import annotations

import phonenumbers
from phonenumbers import PhoneNumberType

MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    """The text is not a mobile number Knuff can send SMS to; the message says why."""


def parse_mobile(text: str, region: str = "SE") -> str:
    """Parse a number as written by people ("070-123 45 67", "+46 70 123 45 67") into E.164."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidPhone("phone number is empty")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(f"{raw!r} is not a phone number ({exc._msg})") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(f"{raw!r} is not a valid phone number")
    kind = phonenumbers.number_type(number)
    if kind not in MOBILE_TYPES:
        raise InvalidPhone(f"{raw!r} is not a mobile number (SMS cannot reach a landline)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask(e164: str | None) -> str:
    """A number as it may appear in logs and on screens that do not need it whole."""
    if not e164:
        return "-"
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:5] + "*" * (len(e164) - 7) + e164[-2:]
