"""Fill a message template's `{placeholders}` with a client's values.

Datetimes are formatted here, at send time, in the message's language: a key ending
in `_date` gives a weekday and date ("onsdag 12 mars"), one ending in `_time` a clock
time ("10:00"). The engine hands over the raw datetime under both keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, tzinfo

from babel.dates import format_date, format_time

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def placeholders(template: str) -> list[str]:
    """Names of the `{placeholders}` in a template, in order of first use."""
    return list(dict.fromkeys(PLACEHOLDER.findall(template)))


def has_stray_brace(template: str) -> bool:
    """True when a `{` or `}` is left over once the placeholders are removed."""
    rest = PLACEHOLDER.sub("", template)
    return "{" in rest or "}" in rest


def format_value(key: str, value: object, locale: str = "sv", tz: tzinfo | None = None) -> str:
    """Format one placeholder value; dates and times follow the locale."""
    if isinstance(value, datetime) and tz is not None:
        value = value.astimezone(tz)
    if isinstance(value, date) and key.endswith("_date"):
        return format_date(value, format="EEEE d MMMM", locale=locale)
    if isinstance(value, datetime) and key.endswith("_time"):
        return format_time(value, format="HH:mm", tzinfo=value.tzinfo, locale=locale)
    return str(value)


def render(
    template: str, params: Mapping[str, object], locale: str = "sv", tz: tzinfo | None = None
) -> str:
    """Return the template with every `{name}` replaced; a missing value raises KeyError.

    `tz`, when given, converts datetimes to that zone before formatting.
    """

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in params:
            raise KeyError(f"no value for placeholder {{{key}}}")
        return format_value(key, params[key], locale, tz)

    return PLACEHOLDER.sub(fill, template)
