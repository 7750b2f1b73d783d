"""Load flow YAML files and report every problem precisely (file, step, what is wrong).

Schema errors come from pydantic and are mapped back to the step id; `check_flow` then
looks at the flow as a whole (`bot.flows.checks`: references, reachability, placeholders,
guardrails), at what the client reads (`bot.flows.guardrails`: forbidden phrases, sensitive
questions, one question per message, with the lists in the folder's guardrails.yaml) and
at its messages (`bot.flows.budgets`: LIX and SMS segment budgets).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.flows.budgets import source_problems
from bot.flows.checks import Problem, claimed_reports, structure_problems
from bot.flows.guardrails import (
    GUARDRAILS_FILE,
    Guardrails,
    guardrails_from_node,
    guardrails_path,
    text_problems,
)
from bot.flows.schema import Flow

__all__ = ["FlowError", "Problem", "check_flow", "check_library", "flow_files", "load_flow",
           "load_guardrails", "load_library", "read_yaml"]


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


def load_guardrails(flows_dir: str | Path) -> tuple[Guardrails | None, list[Problem]]:
    """The phrase lists for the flows in a folder (its guardrails.yaml, else the shipped
    one), or None and every problem with the file, each naming its line."""
    path = guardrails_path(Path(flows_dir))
    name = _display_name(path)
    _, problems = read_yaml(path, name)  # syntax errors and duplicate keys
    if problems:
        return None, problems
    node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_FlowYamlLoader)
    guardrails, problems = guardrails_from_node(node, name)
    return (None if problems else guardrails), problems


def check_flow(flow: Flow, name: str, guardrails: Guardrails | None) -> list[Problem]:
    """Every problem a schema-valid flow has: structure and guardrails, then LIX and
    segment budgets of its Swedish source. Without `guardrails` (their file is broken,
    which is reported on its own) the phrase checks are skipped."""
    problems = structure_problems(flow, name)
    if guardrails is not None:
        problems += text_problems(flow, name, guardrails)
    return problems + source_problems(flow, name)


def load_flow(path: str | Path) -> Flow:
    """Load and check one flow file; raise FlowError listing every problem found."""
    guardrails, problems = load_guardrails(Path(path).parent)
    flow, found = _load(Path(path), guardrails)
    if problems or found or flow is None:
        raise FlowError(problems + found)
    return flow


def _load(path: Path, guardrails: Guardrails | None) -> tuple[Flow | None, list[Problem]]:
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
    problems = check_flow(flow, name, guardrails)
    return (None if problems else flow), problems


def _display_name(path: Path) -> str:
    """`flows/x.yaml` style: the file with its folder, as people see it in the repo."""
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def flow_files(directory: str | Path) -> list[Path]:
    """The flow files of a folder: every `*.yaml` but guardrails.yaml, sorted."""
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != GUARDRAILS_FILE)


def _library(directory: str | Path) -> tuple[dict[str, Flow], list[Problem]]:
    flows: dict[str, Flow] = {}
    guardrails, problems = load_guardrails(directory)
    for path in flow_files(directory):
        flow, found = _load(path, guardrails)
        problems += found
        if flow is not None and flow.id != path.stem:
            problems.append(Problem(_display_name(path), None,
                                    f"flow id '{flow.id}' must match the file name"))
        elif flow is not None:
            flows[flow.id] = flow
    named = [(_display_name(Path(directory) / f"{flow_id}.yaml"), flow)
             for flow_id, flow in flows.items()]
    return flows, problems + claimed_reports(named, other_files_only=True)


def load_library(directory: str | Path) -> dict[str, Flow]:
    """Load every `*.yaml` flow in a folder, keyed by id; FlowError lists all problems."""
    flows, problems = _library(directory)
    if problems:
        raise FlowError(problems)
    return flows


def check_library(directory: str | Path) -> list[Problem]:
    """Every problem in every flow file of a folder (empty when all is well)."""
    return _library(directory)[1]
