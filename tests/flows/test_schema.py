"""The flow schema: durations, lookups and the client-facing texts for translation."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.flows.schema import Flow, parse_duration


@pytest.mark.parametrize(
    ("text", "delta"),
    [("30m", timedelta(minutes=30)), ("4h", timedelta(hours=4)), ("2d", timedelta(days=2)),
     ("-2h", timedelta(hours=-2)), ("1h30m", timedelta(minutes=90))],
)
def test_parse_duration(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "2", "h", "2w", "1.5h", "4 h", 4])
def test_parse_duration_refuses_other_forms(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_texts_lists_every_client_facing_text(tiny: dict) -> None:
    tiny["steps"][0]["reask"] = "Skriv 1 eller 2."
    assert Flow.model_validate(tiny).texts() == [
        ("tiny.q", "Hej {name}! Kommer du?"),
        ("tiny.q.choice.1", "Ja"),
        ("tiny.q.choice.2", "Prata med {case_manager}"),
        ("tiny.q.reask", "Skriv 1 eller 2."),
        ("tiny.bye", "Tack!"),
        ("tiny.reask", "Svara med en siffra."),
    ]


def test_step_lookup(tiny: dict) -> None:
    flow = Flow.model_validate(tiny)
    assert flow.step("bye").kind == "end"
    with pytest.raises(KeyError, match="no step 'nope'"):
        flow.step("nope")
