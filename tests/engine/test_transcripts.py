"""Golden transcripts: each file in transcripts/ is a conversation with one shipped flow,
events in and exact Swedish texts, alerts, effects, answers and timers out.

Set KNUFF_UPDATE_TRANSCRIPTS=1 to rewrite the expectations after an intended change,
then review the diff like any other code change.
"""

from __future__ import annotations

import difflib
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.engine import (
    AlertRaised,
    LanguageChanged,
    OutMessage,
    Turn,
    expire,
    reply,
    start,
    wake,
)
from bot.flows.loader import load_library
from bot.flows.schema import Flow, parse_duration
from bot.i18n.render import render

ROOT = Path(__file__).resolve().parents[2]
TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.yaml"))
STOCKHOLM = ZoneInfo("Europe/Stockholm")
EVENTS = ("start", "reply", "wake", "advance", "expire")


class _Dumper(yaml.SafeDumper):
    """Multi-line texts as readable `|` blocks."""


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


@pytest.fixture(scope="module")
def library() -> dict[str, Flow]:
    return load_library(ROOT / "flows")


class Conversation:
    """Plays events against the engine with a seeded clock, like host and worker would."""

    def __init__(self, flow: Flow, now: datetime, params: dict[str, object]):
        self.flow, self.now, self.params = flow, now, params
        self.state = None

    def play(self, event: str, arg: Any) -> list[Turn]:
        if event == "start":
            return [self._keep(start(self.flow, self.now, self.params))]
        if event == "reply":
            return [self._keep(reply(self.flow, self.state, str(arg), self.now, self.params))]
        if event == "expire":
            return [self._keep(expire(self.flow, self.state, self.now))]
        if event == "wake":
            self.now = self.state.wake_at
            return [self._keep(wake(self.flow, self.state, self.now, self.params))]
        self.now += parse_duration(arg)
        turns = []
        while self.state.status == "waiting" and self.state.wake_at <= self.now:
            turns.append(self._keep(wake(self.flow, self.state, self.state.wake_at, self.params)))
        return turns

    def _keep(self, turn: Turn) -> Turn:
        self.state = turn.state
        return turn


def outcome(turns: list[Turn]) -> dict[str, Any]:
    """What one event produced, in the transcript's words."""
    state = turns[-1].state if turns else None
    result: dict[str, Any] = {
        "messages": [render(m.template, m.params, "sv", STOCKHOLM)
                     for t in turns for m in t.of(OutMessage)],
        "alerts": [a.reason for t in turns for a in t.of(AlertRaised)],
    }
    # Written as the transcripts always showed a language change: ["set_language", code].
    effects = [["set_language", e.language] for t in turns for e in t.of(LanguageChanged)]
    if effects:  # only flows that change the client show them
        result["effects"] = effects
    if state is not None:
        result["status"] = state.status
        result["answers"] = {k: v["value"] for k, v in state.answers.items()}
        if state.wake_at:
            result["wake_at"] = state.wake_at.astimezone(STOCKHOLM).isoformat()
    return result


def _time(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def run_transcript(doc: dict[str, Any], library: dict[str, Flow]) -> dict[str, Any]:
    """Replay a transcript's events and return it with the actual outcomes filled in."""
    flow = library[doc["flow"]]
    params = {k: _time(v) if flow.params.get(k) == "datetime" else v
              for k, v in doc["params"].items()}
    talk = Conversation(flow, _time(doc["now"]), params)
    events = []
    for item in doc["events"]:
        (event,) = [key for key in item if key in EVENTS]
        events.append({event: item[event], **outcome(talk.play(event, item[event]))})
    return {**doc, "events": events}


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, library: dict[str, Flow]) -> None:
    expected = yaml.safe_load(path.read_text(encoding="utf-8"))
    actual = run_transcript(expected, library)
    if os.environ.get("KNUFF_UPDATE_TRANSCRIPTS") == "1":
        path.write_text(dump(actual), encoding="utf-8")
    if dump(actual) != dump(expected):
        diff = difflib.unified_diff(dump(expected).splitlines(), dump(actual).splitlines(),
                                    "expected", "actual", lineterm="")
        pytest.fail(f"{path.name} differs:\n" + "\n".join(diff), pytrace=False)


def test_every_shipped_flow_has_transcripts(library: dict[str, Flow]) -> None:
    covered = {yaml.safe_load(p.read_text(encoding="utf-8"))["flow"] for p in TRANSCRIPTS}
    assert set(library) <= covered
