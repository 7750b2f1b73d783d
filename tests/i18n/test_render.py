"""Placeholder filling with dates and times in the message's language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.render import has_stray_brace, placeholders, render

MEETING = datetime(2025, 3, 12, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


def test_render_formats_dates_and_times_in_swedish() -> None:
    text = render("Hej {name}! {m_date} klockan {m_time}.",
                  {"name": "Amina", "m_date": MEETING, "m_time": MEETING})
    assert text == "Hej Amina! onsdag 12 mars klockan 10:00."


def test_render_converts_to_a_timezone_and_other_locales() -> None:
    params = {"m_date": MEETING, "m_time": MEETING}
    assert render("{m_date} {m_time}", params, "en", ZoneInfo("UTC")) == "Wednesday 12 March 09:00"


def test_render_refuses_a_missing_value() -> None:
    with pytest.raises(KeyError, match="name"):
        render("Hej {name}", {})


def test_placeholders_and_stray_braces() -> None:
    assert placeholders("{a} {b} {a}") == ["a", "b"]
    assert has_stray_brace("{a} }") and not has_stray_brace("{a}")
