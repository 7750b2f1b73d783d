"""Edge cases of the pure state machine: timers, re-asks, branches, state round trips."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta
from typing import Any

import pytest

from bot.engine import (
    AlertRaised,
    AnswerSaved,
    FlowEnded,
    FlowRunError,
    OutMessage,
    State,
    WakeAt,
    expire,
    message_for,
    reply,
    start,
    stop,
    wake,
)
from bot.flows.schema import Flow
from tests.engine.conftest import NOW, PARAMS


def flow_of(data: dict[str, Any]) -> Flow:
    return Flow.model_validate(data)


def test_start_asks_and_sets_the_timer(tiny: dict) -> None:
    turn = start(flow_of(tiny), NOW, PARAMS)
    assert [m.template for m in turn.of(OutMessage)] == [
        "Hej {name}! Kommer du?\n1 Ja\n2 Prata med {case_manager}"]
    assert turn.of(OutMessage)[0].key == "tiny.q"
    assert turn.of(OutMessage)[0].params == {"name": "Amina", "case_manager": "Lena"}
    assert [(p.key, p.prefix) for p in turn.of(OutMessage)[0].parts] == [
        ("tiny.q", ""), ("tiny.q.choice.1", "1 "), ("tiny.q.choice.2", "2 ")]
    assert (turn.state.step, turn.state.awaiting, turn.state.seq) == ("q", "reply", 1)
    assert turn.of(WakeAt) == [WakeAt(NOW + timedelta(hours=4))]
    assert turn.state.wake_at == NOW + timedelta(hours=4)


def test_reply_stores_value_and_raw_text(tiny: dict) -> None:
    flow = flow_of(tiny)
    turn = reply(flow, start(flow, NOW, PARAMS).state, " JA! ", NOW, PARAMS)
    assert turn.state.answers == {"coming": {"value": "yes", "text": " JA! "}}
    assert (turn.state.status, turn.state.step, turn.state.wake_at) == ("completed", None, None)
    assert (turn.of(WakeAt), turn.events[-1]) == ([], FlowEnded("completed"))
    assert [m.template for m in turn.of(OutMessage)] == ["Tack!"]


def test_first_unrecognised_reply_reasks_and_restarts_the_timer(tiny: dict) -> None:
    flow = flow_of(tiny)
    later = NOW + timedelta(hours=1)
    turn = reply(flow, start(flow, NOW, PARAMS).state, "kanske", later, PARAMS)
    assert turn.of(OutMessage)[0].key == "tiny.q.reask"
    assert turn.of(OutMessage)[0].parts[0].key == "tiny.reask"
    assert turn.of(OutMessage)[0].template == (
        "Svara med en siffra.\n1 Ja\n2 Prata med {case_manager}")
    assert (turn.state.reasks, turn.of(WakeAt)) == (1, [WakeAt(later + timedelta(hours=4))])
    assert turn.of(AnswerSaved) == []  # a re-ask saves nothing


def test_step_reask_text_wins_over_the_flow_default(tiny: dict) -> None:
    tiny["steps"][0]["reask"] = "Skriv 1 eller 2."
    flow = flow_of(tiny)
    turn = reply(flow, start(flow, NOW, PARAMS).state, "?", NOW, PARAMS)
    assert turn.of(OutMessage)[0].parts[0].key == "tiny.q.reask"
    assert turn.of(OutMessage)[0].template.startswith("Skriv 1 eller 2.\n1 Ja")


def test_second_unrecognised_reply_without_on_other_alerts_and_ends(tiny: dict) -> None:
    flow = flow_of(tiny)
    state = reply(flow, start(flow, NOW, PARAMS).state, "kanske", NOW, PARAMS).state
    turn = reply(flow, state, "vet inte", NOW, PARAMS)
    assert turn.of(OutMessage) == []
    assert [(a.reason, a.step) for a in turn.of(AlertRaised)] == [("unrecognised", "q")]
    assert turn.of(AlertRaised)[0].answer == {
        "name": "coming", "value": "other", "text": "vet inte"}
    assert turn.of(AnswerSaved) == [AnswerSaved("coming", "other", "vet inte", "q")]
    assert turn.state.status == "completed"


def test_timeout_stores_timeout_and_follows_on_timeout(tiny: dict) -> None:
    flow = flow_of(tiny)
    state = start(flow, NOW, PARAMS).state
    turn = wake(flow, state, state.wake_at, PARAMS)
    assert turn.state.answers == {"coming": {"value": "timeout", "text": None}}
    assert [m.template for m in turn.of(OutMessage)] == ["Tack!"]
    assert turn.of(AnswerSaved) == []  # no answer from the client: no result to keep


def test_timeout_without_on_timeout_ends_quietly(tiny: dict) -> None:
    tiny["steps"][0]["on_timeout"] = None
    flow = flow_of(tiny)
    turn = wake(flow, start(flow, NOW, PARAMS).state, NOW, PARAMS)
    assert (turn.of(OutMessage), turn.of(AlertRaised), turn.state.status) == ([], [], "completed")


def test_free_text_stores_the_text(tiny: dict) -> None:
    tiny["steps"][0] = {"id": "q", "kind": "ask", "text": "Berätta!", "save_as": "story",
                        "free_text": True, "next": "bye", "timeout": "1d"}
    flow = flow_of(tiny)
    turn = reply(flow, start(flow, NOW, PARAMS).state, "1", NOW, PARAMS)
    assert turn.state.answers == {"story": {"value": "text", "text": "1"}}
    (saved,) = turn.of(AnswerSaved)
    assert (saved.value, saved.free_text, saved.category) == ("text", True, None)


def branchy(tiny: dict) -> Flow:
    tiny["steps"][0]["choices"][0]["next"] = "b"
    tiny["steps"] += [
        {"id": "b", "kind": "branch", "on": "coming", "cases": {"yes": "glad"}, "default": "bye"},
        {"id": "glad", "kind": "alert", "reason": "help", "note": "Ring", "next": "bye"},
    ]
    return flow_of(tiny)


def test_a_turn_lists_its_events_in_the_order_they_happened(tiny: dict) -> None:
    flow = branchy(tiny)
    turn = reply(flow, start(flow, NOW, PARAMS).state, "1", NOW, PARAMS)
    assert [type(e) for e in turn.events] == [AnswerSaved, AlertRaised, OutMessage, FlowEnded]
    assert turn.events[0] == AnswerSaved("coming", "yes", "1", "q")
    assert (turn.events[0].category, turn.events[-1]) == ("yes", FlowEnded("completed"))


def test_turns_and_events_are_frozen(tiny: dict) -> None:
    turn = start(flow_of(tiny), NOW, PARAMS)
    with pytest.raises(FrozenInstanceError):
        turn.state.step = "bye"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        turn.of(OutMessage)[0].key = "other"  # type: ignore[misc]


def test_branch_and_alert_carry_the_answer(tiny: dict) -> None:
    flow = branchy(tiny)
    turn = reply(flow, start(flow, NOW, PARAMS).state, "1", NOW, PARAMS)
    assert [(a.reason, a.step, a.answer["value"]) for a in turn.of(AlertRaised)] == [
        ("help", "glad", "yes")]


def wait_flow(tiny: dict) -> Flow:
    tiny["params"] = {"meeting_at": "datetime"}
    tiny["start"] = "w"
    tiny["steps"].insert(0, {"id": "w", "kind": "wait", "until": "meeting_at", "offset": "-2h",
                             "next": "soon", "if_passed": "bye"})
    tiny["steps"].append({"id": "soon", "kind": "send", "text": "Kl {meeting_at_time}!",
                          "next": None})
    return flow_of(tiny)


def test_wait_sets_the_timer_then_continues(tiny: dict) -> None:
    flow = wait_flow(tiny)
    meeting = NOW + timedelta(days=1)
    params = {**PARAMS, "meeting_at": meeting}
    turn = start(flow, NOW, params)
    assert (turn.state.awaiting, turn.state.wake_at, turn.of(OutMessage)) == (
        "time", meeting - timedelta(hours=2), [])
    turn = wake(flow, turn.state, turn.state.wake_at, params)
    assert turn.of(OutMessage)[0].params == {"meeting_at_time": meeting}
    assert turn.state.status == "completed"


def test_wait_whose_moment_has_passed_takes_if_passed(tiny: dict) -> None:
    flow = wait_flow(tiny)
    turn = start(flow, NOW, {**PARAMS, "meeting_at": NOW + timedelta(hours=2)})
    assert [m.template for m in turn.of(OutMessage)] == ["Tack!"]


def test_loops_are_stopped(tiny: dict) -> None:
    tiny["start"] = "a"
    tiny["steps"] = [{"id": "a", "kind": "send", "text": "A", "next": "a"}]
    with pytest.raises(FlowRunError, match="50 steps"):
        start(flow_of(tiny), NOW, PARAMS)


@pytest.mark.parametrize("event", [expire, stop])
def test_expire_and_stop_end_without_messages(tiny: dict, event: Any) -> None:
    flow = flow_of(tiny)
    turn = event(flow, start(flow, NOW, PARAMS).state, NOW)
    assert turn.of(OutMessage) == [] and turn.state.status in ("expired", "stopped")
    assert (turn.state.awaiting, turn.state.wake_at, turn.state.seq) == (None, None, 2)
    assert turn.events == (FlowEnded(turn.state.status),)


def test_events_that_do_not_fit_the_state_raise(tiny: dict) -> None:
    flow = flow_of(tiny)
    done = reply(flow, start(flow, NOW, PARAMS).state, "1", NOW, PARAMS).state
    with pytest.raises(FlowRunError, match="not awaiting"):
        reply(flow, done, "1", NOW, PARAMS)
    with pytest.raises(FlowRunError, match="not awaiting"):
        wake(flow, done, NOW, PARAMS)


def test_missing_params_and_naive_times_are_refused(tiny: dict) -> None:
    with pytest.raises(FlowRunError, match="no value for name"):
        start(flow_of(tiny), NOW, {})
    with pytest.raises(ValueError, match="timezone-aware"):
        start(flow_of(tiny), datetime(2025, 3, 10), PARAMS)
    with pytest.raises(FlowRunError, match="needs params: meeting_at"):
        start(wait_flow(tiny), NOW, PARAMS)


def test_state_round_trips_through_json(tiny: dict) -> None:
    state = start(flow_of(tiny), NOW, PARAMS).state
    state.answers["x"] = {"value": "yes", "text": "ja"}
    restored = State.from_dict(json.loads(json.dumps(state.to_dict())))
    assert restored == state


def test_state_reads_rows_stored_before_typed_events() -> None:
    stored = {"step": "q", "answers": {"coming": {"value": "yes", "text": "ja"}},
              "status": "waiting", "awaiting": "reply", "reasks": 1,
              "wake_at": "2025-03-10T14:00:00+01:00", "seq": 3}
    state = State.from_dict(stored)
    assert (state.step, state.reasks, state.seq, state.wake_at) == (
        "q", 1, 3, datetime.fromisoformat("2025-03-10T14:00:00+01:00"))
    assert state.to_dict() == stored


def test_engine_does_not_mutate_the_given_state(tiny: dict) -> None:
    flow = flow_of(tiny)
    state = start(flow, NOW, PARAMS).state
    before = state.to_dict()
    reply(flow, state, "1", NOW, PARAMS)
    assert state.to_dict() == before


def test_message_for_builds_a_system_text(tiny: dict) -> None:
    message = message_for(flow_of(tiny), "bye", PARAMS)
    assert (message.key, message.template, message.params) == ("tiny.bye", "Tack!", {})
