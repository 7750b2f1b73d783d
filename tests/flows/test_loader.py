"""The loader reports every problem with file, step and a precise message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flows.loader import FlowError, Problem, check_library, load_flow, load_library

ROOT = Path(__file__).resolve().parents[2]


def problems_of(tmp_path: Path, data: Any, name: str = "tiny") -> list[str]:
    folder = tmp_path / "flows"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True),
                    encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_flow(path)
    return [str(p) for p in caught.value.problems]


def test_valid_flow_loads(tmp_path: Path, tiny: dict) -> None:
    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny), encoding="utf-8")
    flow = load_flow(tmp_path / "tiny.yaml")
    assert flow.step("q").choices[0].key == "1"


def test_shipped_flows_are_valid() -> None:
    assert check_library(ROOT / "flows") == []
    assert set(load_library(ROOT / "flows")) == {
        "welcome", "meeting_reminder", "activity_start", "activity_checkin", "absence",
        "motivation", "plan_step", "activity_end", "in_work", "exit_feedback",
        "new_case_manager", "help", "interpreter", "language", "unknown_number", "system"}


def test_problem_str_names_file_and_step() -> None:
    problem = Problem("flows/x.yaml", "ask_reason", "oops")
    assert str(problem) == "flows/x.yaml: step 'ask_reason': oops"
    assert str(Problem("flows/x.yaml", None, "oops")) == "flows/x.yaml: oops"


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "id: tiny\nsteps: [a\n") == [
        "flows/tiny.yaml: YAML error at line 3, column 1: "
        "expected ',' or ']', but got '<stream end>'"
    ]


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "id: tiny\nid: other\n") == [
        "flows/tiny.yaml: YAML error at line 2, column 1: duplicate key 'id'"]


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems_of(tmp_path, "- a\n") == [
        "flows/tiny.yaml: a flow file must be a mapping (id, version, steps…)"]


def test_yes_no_and_on_stay_strings(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(
        "id: tiny\nversion: 1\ntitle: T\nstart: q\nreask: R\nsteps:\n"
        "- {id: q, kind: ask, text: Q, save_as: a, timeout: 1h, choices: [\n"
        "   {key: 1, value: yes, label: Ja, words: [yes, no, on, off], next: b},\n"
        "   {key: 2, value: talk, label: P, next: b}]}\n"
        "- {id: b, kind: branch, on: a, cases: {yes: e}, default: e}\n"
        "- {id: e, kind: end, text: X}\n", encoding="utf-8")
    flow = load_flow(tmp_path / "tiny.yaml")
    assert flow.step("q").choices[0].words == ["yes", "no", "on", "off"]
    assert flow.step("b").on == "a"
    assert flow.step("b").cases == {"yes": "e"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["steps"][0].update(timeout="soon"),
         "step 'q': timeout: must be a duration like '30m', '4h', '2d' or '-2h'"),
        (lambda f: f["steps"][0].pop("text"), "step 'q': missing field 'text'"),
        (lambda f: f["steps"][1].update(colour="red"), "step 'bye': unknown field 'colour'"),
        (lambda f: f["steps"][1].update(kind="jump"),
         "step 'bye': unknown kind 'jump' (expected 'send', 'ask', 'branch', 'alert', 'wait', "
         "'end', 'set_language')"),
        (lambda f: f["steps"][1].pop("kind"), "step 'bye': missing field 'kind'"),
        (lambda f: f["steps"][1].pop("id"), "step '#2': missing field 'id'"),
        (lambda f: f["steps"][0]["choices"][0].update(key=0),
         "step 'q': choices.0.key: String should match pattern '^[1-9][0-9]?$'"),
        (lambda f: f["steps"][0]["choices"][0].update(key=100),
         "step 'q': choices.0.key: String should match pattern '^[1-9][0-9]?$'"),
        (lambda f: f["steps"][0].update(segments=0),
         "step 'q': segments: Input should be greater than or equal to 1"),
        (lambda f: f.update(segments=11), "segments: Input should be less than or equal to 10"),
        (lambda f: f["steps"].insert(1, {"id": "s", "kind": "set_language", "next": "bye"}),
         "step 's': missing field 'from'"),
        (lambda f: f.pop("version"), "missing field 'version'"),
        (lambda f: f.update(params={"when": "date"}),
         "params.when: Input should be 'text' or 'datetime'"),
    ],
)
def test_schema_errors_name_the_step(tmp_path: Path, tiny: dict, change: Any, message: str) -> None:
    change(tiny)
    assert problems_of(tmp_path, tiny) == [f"flows/tiny.yaml: {message}"]


def _add(step: dict) -> Any:
    return lambda f: f["steps"].insert(1, step)


def _choice_next(target: str) -> Any:
    return lambda f: f["steps"][0]["choices"][0].update(next=target)


@pytest.mark.parametrize(
    ("change", "messages"),
    [
        (lambda f: f["steps"][0].update(on_timeout="nope"),
         ["step 'q': on_timeout points to unknown step 'nope'"]),
        (lambda f: f["steps"][0].update(on_other="nope"),
         ["step 'q': on_other points to unknown step 'nope'"]),
        (_choice_next("nope"), ["step 'q': choice 1 next points to unknown step 'nope'"]),
        (lambda f: f.update(start="nope"),
         ["start points to unknown step 'nope'", "step 'q': unreachable from start",
          "step 'bye': unreachable from start"]),
        (_add({"id": "bye", "kind": "end"}), ["step 'bye': duplicate step id"]),
        (_add({"id": "lost", "kind": "end"}), ["step 'lost': unreachable from start"]),
        (lambda f: (_choice_next("b")(f), _add({"id": "b", "kind": "branch", "on": "coming",
                                                "cases": {"yes": "x"}, "default": "y"})(f)),
         ["step 'b': case 'yes' points to unknown step 'x'",
          "step 'b': default points to unknown step 'y'"]),
        (lambda f: (_choice_next("b")(f), _add({"id": "b", "kind": "branch", "on": "mood",
                                                "cases": {}, "default": "bye"})(f)),
         ["step 'b': branch on unknown answer 'mood'"]),
        (lambda f: (_choice_next("a")(f),
                    _add({"id": "a", "kind": "send", "text": "A", "next": "c"})(f),
                    _add({"id": "c", "kind": "alert", "reason": "help", "note": "n",
                          "next": "a"})(f)),
         ["step 'a': steps loop without an ask or wait: a -> c -> a"]),
        (lambda f: (_choice_next("w")(f), _add({"id": "w", "kind": "wait", "until": "when",
                                                "offset": "-2h", "next": "bye"})(f)),
         ["step 'w': wait until 'when', which is not a datetime param"]),
    ],
)
def test_graph_problems(tmp_path: Path, tiny: dict, change: Any, messages: list[str]) -> None:
    change(tiny)
    assert problems_of(tmp_path, tiny) == [f"flows/tiny.yaml: {m}" for m in messages]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda q: q.pop("timeout"), "ask has no timeout (every question needs a timeout branch)"),
        (lambda q: q["choices"].pop(),
         "no choice with value 'talk' (every question needs a way to a person)"),
        (lambda q: q["choices"][1].update(key=3), "choice keys must be 1, 2, 3 … in order"),
        (lambda q: q["choices"][1].update(words=["JA"]), "word 'ja' is used by choices 1 and 2"),
        (lambda q: q.pop("choices"), "ask needs choices or free_text: true"),
        (lambda q: q.update(free_text=True), "ask has both choices and free_text"),
        (lambda q: q.update(next="bye"),
         "next is only for free_text asks; give each choice its own next"),
        (lambda q: q.update(text="Hej {nickname}!"),
         "text uses undefined placeholder {nickname}"),
        (lambda q: q.update(text="Hej {name!"), "text has a stray '{' or '}'"),
        (lambda q: q["choices"][1].update(label="Prata med {handlaggare}"),
         "choice 2 label uses undefined placeholder {handlaggare}"),
    ],
)
def test_ask_problems(tmp_path: Path, tiny: dict, change: Any, message: str) -> None:
    change(tiny["steps"][0])
    assert problems_of(tmp_path, tiny) == [f"flows/tiny.yaml: step 'q': {message}"]


def test_ask_needs_a_reask_text(tmp_path: Path, tiny: dict) -> None:
    del tiny["reask"]
    assert problems_of(tmp_path, tiny) == [
        "flows/tiny.yaml: step 'q': no reask text: set reask on the step or the flow"]


def test_datetime_placeholders_are_derived(tmp_path: Path, tiny: dict) -> None:
    tiny["params"] = {"meeting_at": "datetime", "place": "text"}
    tiny["steps"][0]["text"] = "{place} {meeting_at_date} {meeting_at_time} {meeting_at}"
    assert problems_of(tmp_path, tiny) == [
        "flows/tiny.yaml: step 'q': text: {meeting_at} is a datetime; "
        "use {meeting_at_date} or {meeting_at_time}"]


def test_system_flows_inform_and_never_ask(tmp_path: Path, tiny: dict) -> None:
    tiny["id"] = "system"
    tiny["steps"].append({"id": "more", "kind": "send", "text": "Mer", "next": "bye"})
    assert problems_of(tmp_path, tiny, name="system") == [
        "flows/system.yaml: step 'q': this flow must not ask questions",
        "flows/system.yaml: step 'q': only send and end steps belong in the system flow",
        "flows/system.yaml: step 'more': next must be empty: the host sends each text on its own",
    ]


def test_library_aggregates_files_and_checks_names(tmp_path: Path, tiny: dict) -> None:
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(tiny), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: [", encoding="utf-8")
    with pytest.raises(FlowError) as caught:
        load_library(tmp_path)
    name = tmp_path.name
    assert [str(p) for p in caught.value.problems] == [
        f"{name}/broken.yaml: YAML error at line 1, column 6: "
        "expected the node content, but found '<stream end>'",
        f"{name}/other.yaml: flow id 'tiny' must match the file name",
    ]
