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
    monkeypatch.setitem(KEYWORDS, "so", {"stop": ("JOOJI",)})
    assert match_keyword("jooji") == "stop"
