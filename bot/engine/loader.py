"""Load flow YAML files and report every problem precisely (file, step, what is wrong).

Schema errors come from pydantic and are mapped back to the step id; `check_flow` then
looks at the flow as a whole: references, reachability, placeholders and the guardrails
(every question has a timeout and a way to a person).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.engine.flow import AlertStep, AskStep, BranchStep, EndStep, Flow, SendStep, Step, WaitStep
from bot.i18n.render import has_stray_brace, placeholders
from bot.i18n.replies import normalise

ALWAYS_AVAILABLE = frozenset({"name", "case_manager"})
# Flows sent to people outside a conversation: they inform, never ask.
NO_ASK_FLOWS = frozenset({"system", "unknown_number"})
# Flows whose steps the host sends one by one (keyword confirmations).
ENTRY_POINT_FLOWS = frozenset({"system"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a flow file."""

    file: str
    step: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{f' step {self.step!r}:' if self.step else ''} {self.message}"


class FlowError(Exception):
    """A flow file (or a library of them) has problems."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class _FlowYamlLoader(yaml.SafeLoader):
    """Safe YAML without YAML 1.1 surprises: `on`, `yes`, `no` stay strings (a branch's
    `on:` key, "yes"/"no" reply words), and a duplicated key is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key '{key}'", problem_mark=key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_BOOL = "tag:yaml.org,2002:bool"
_FlowYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FlowYamlLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|false)$"), list("tf"))


def read_yaml(path: Path, name: str) -> tuple[Any, list[Problem]]:
    """Parse a YAML file; syntax errors become problems with line and column."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_FlowYamlLoader), []
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, [Problem(name, None, f"YAML error{where}: {error.problem}")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(name, None, f"cannot read file: {error}")]


def _schema_problems(name: str, data: Any, error: ValidationError) -> list[Problem]:
    """Turn pydantic errors into problems that name the step and the field."""
    raw_steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    problems = []
    for err in error.errors(include_url=False):
        loc, step = list(err["loc"]), None
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            raw = raw_steps[loc[1]] if loc[1] < len(raw_steps) else None
            raw_id = raw.get("id") if isinstance(raw, dict) else None
            step = raw_id if isinstance(raw_id, str) else f"#{loc[1] + 1}"
            loc = loc[3:] if err["type"] not in ("union_tag_invalid", "union_tag_not_found") \
                else []
        problems.append(Problem(name, step, _describe(err, loc)))
    return problems


def _describe(err: dict[str, Any], loc: list[Any]) -> str:
    """A short message for one pydantic error."""
    kind, field = err["type"], ".".join(str(part) for part in loc)
    if kind in ("missing", "extra_forbidden"):
        return f"{'missing' if kind == 'missing' else 'unknown'} field '{field}'"
    if kind == "union_tag_invalid":
        return f"unknown kind '{err['ctx']['tag']}' (expected {err['ctx']['expected_tags']})"
    if kind == "union_tag_not_found":
        return "missing field 'kind'"
    message = str(err["ctx"]["error"]) if kind == "value_error" else err["msg"]
    return f"{field}: {message}" if field else message


def _targets(step: Step) -> list[tuple[str, str]]:
    """(field, step id) for every step this step can lead to."""
    pairs: list[tuple[str, str | None]] = []
    if isinstance(step, SendStep | AlertStep):
        pairs = [("next", step.next)]
    elif isinstance(step, AskStep):
        pairs = [("next", step.next), ("on_other", step.on_other),
                 ("on_timeout", step.on_timeout)]
        pairs += [(f"choice {c.key} next", c.next) for c in step.choices or []]
    elif isinstance(step, BranchStep):
        pairs = [(f"case '{value}'", target) for value, target in step.cases.items()]
        pairs.append(("default", step.default))
    elif isinstance(step, WaitStep):
        pairs = [("next", step.next), ("if_passed", step.if_passed)]
    return [(label, target) for label, target in pairs if target is not None]


def _check_graph(flow: Flow, say: Any) -> None:
    """Duplicate ids, dangling references, unreachable steps, loops that never pause."""
    ids: set[str] = set()
    for step in flow.steps:
        if step.id in ids:
            say(step.id, "duplicate step id")
        ids.add(step.id)
    if flow.start not in ids:
        say(None, f"start points to unknown step '{flow.start}'")
    for step in flow.steps:
        for label, target in _targets(step):
            if target not in ids:
                say(step.id, f"{label} points to unknown step '{target}'")
    reached, todo = set(), [flow.start]
    while todo:
        step_id = todo.pop()
        if step_id in ids and step_id not in reached:
            reached.add(step_id)
            todo += [target for _, target in _targets(flow.step(step_id))]
    if flow.id not in ENTRY_POINT_FLOWS:
        for step in flow.steps:
            if step.id not in reached:
                say(step.id, "unreachable from start")
    _check_loops(flow, ids, say)


def _check_loops(flow: Flow, ids: set[str], say: Any) -> None:
    """A cycle of send/alert/branch steps would run forever within one turn."""
    moving = {s.id for s in flow.steps if isinstance(s, SendStep | AlertStep | BranchStep)}
    done: set[str] = set()

    def visit(step_id: str, path: list[str]) -> None:
        if step_id in path:
            cycle = path[path.index(step_id):] + [step_id]
            say(step_id, f"steps loop without an ask or wait: {' -> '.join(cycle)}")
            return
        if step_id in done or step_id not in moving:
            return
        for _, target in _targets(flow.step(step_id)):
            if target in ids:
                visit(target, [*path, step_id])
        done.add(step_id)

    for step_id in sorted(moving):
        visit(step_id, [])


def _check_ask(flow: Flow, step: AskStep, say: Any) -> None:
    """Guardrails for a question: answerable, has a timeout, a way to a person, a re-ask."""
    if flow.id in NO_ASK_FLOWS:
        say(step.id, "this flow must not ask questions")
    if step.timeout is None:
        say(step.id, "ask has no timeout (every question needs a timeout branch)")
    if step.free_text and step.choices:
        say(step.id, "ask has both choices and free_text")
    if step.free_text:
        return
    if not step.choices:
        say(step.id, "ask needs choices or free_text: true")
        return
    if step.next is not None:
        say(step.id, "next is only for free_text asks; give each choice its own next")
    if not any(c.value == "talk" for c in step.choices):
        say(step.id, "no choice with value 'talk' (every question needs a way to a person)")
    if [c.key for c in step.choices] != [str(n) for n in range(1, len(step.choices) + 1)]:
        say(step.id, "choice keys must be 1, 2, 3 … in order")
    owner: dict[str, str] = {}
    for choice in step.choices:
        for word in {normalise(w) for w in choice.words}:
            if word in owner and owner[word] != choice.key:
                say(step.id, f"word '{word}' is used by choices {owner[word]} and {choice.key}")
            owner.setdefault(word, choice.key)
    if not (step.reask or flow.reask):
        say(step.id, "no reask text: set reask on the step or the flow")


def _check_texts(flow: Flow, say: Any) -> None:
    """Every placeholder must be known: name, case_manager, params, P_date/P_time."""
    known = set(ALWAYS_AVAILABLE)
    for param, kind in flow.params.items():
        known |= {f"{param}_date", f"{param}_time"} if kind == "datetime" else {param}
    texts: list[tuple[str | None, str, str]] = [(None, "reask", flow.reask or "")]
    for step in flow.steps:
        if isinstance(step, SendStep | AskStep | EndStep):
            texts.append((step.id, "text", step.text or ""))
        if isinstance(step, AskStep):
            texts.append((step.id, "reask", step.reask or ""))
            texts += [(step.id, f"choice {c.key} label", c.label) for c in step.choices or []]
    for step_id, where, text in texts:
        if has_stray_brace(text):
            say(step_id, f"{where} has a stray '{{' or '}}'")
        for name in placeholders(text):
            if flow.params.get(name) == "datetime":
                say(step_id, f"{where}: {{{name}}} is a datetime; "
                             f"use {{{name}_date}} or {{{name}_time}}")
            elif name not in known:
                say(step_id, f"{where} uses undefined placeholder {{{name}}}")


def check_flow(flow: Flow, name: str) -> list[Problem]:
    """Problems a valid-looking flow can still have, in file order."""
    problems: list[Problem] = []

    def say(step: str | None, message: str) -> None:
        problems.append(Problem(name, step, message))


    _check_graph(flow, say)
    answers = {s.save_as for s in flow.steps if isinstance(s, AskStep)}
    for step in flow.steps:
        if isinstance(step, AskStep):
            _check_ask(flow, step, say)
        elif isinstance(step, BranchStep) and step.on not in answers:
            say(step.id, f"branch on unknown answer '{step.on}'")
        elif isinstance(step, WaitStep) and flow.params.get(step.until) != "datetime":
            say(step.id, f"wait until '{step.until}', which is not a datetime param")
        if flow.id in ENTRY_POINT_FLOWS:
            if not isinstance(step, SendStep | EndStep):
                say(step.id, f"only send and end steps belong in the {flow.id} flow")
            elif isinstance(step, SendStep) and step.next is not None:
                say(step.id, "next must be empty: the host sends each text on its own")
    _check_texts(flow, say)
    return problems


def load_flow(path: str | Path) -> Flow:
    """Load and check one flow file; raise FlowError listing every problem found."""
    flow, problems = _load(Path(path))
    if problems or flow is None:
        raise FlowError(problems)
    return flow


def _load(path: Path) -> tuple[Flow | None, list[Problem]]:
    name = _display_name(path)
    data, problems = read_yaml(path, name)
    if problems:
        return None, problems
    if not isinstance(data, dict):
        return None, [Problem(name, None, "a flow file must be a mapping (id, version, steps…)")]
    try:
        flow = Flow.model_validate(data)
    except ValidationError as error:
        return None, _schema_problems(name, data, error)
    problems = check_flow(flow, name)
    return (None if problems else flow), problems


def _display_name(path: Path) -> str:
    """`flows/x.yaml` style: the file with its folder, as people see it in the repo."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _library(directory: str | Path) -> tuple[dict[str, Flow], list[Problem]]:
    flows: dict[str, Flow] = {}
    problems: list[Problem] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        flow, found = _load(path)
        problems += found
        if flow is not None and flow.id != path.stem:
            problems.append(Problem(_display_name(path), None,
                                    f"flow id '{flow.id}' must match the file name"))
        elif flow is not None:
            flows[flow.id] = flow
    return flows, problems


def load_library(directory: str | Path) -> dict[str, Flow]:
    """Load every `*.yaml` flow in a folder, keyed by id; FlowError lists all problems."""
    flows, problems = _library(directory)
    if problems:
        raise FlowError(problems)
    return flows


def check_library(directory: str | Path) -> list[Problem]:
    """Every problem in every flow file of a folder (empty when all is well)."""
    return _library(directory)[1]
