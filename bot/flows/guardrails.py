"""Guardrails on what a client reads: no forbidden phrases, no sensitive questions, one
question per message, and a way out of every free-text question.

The phrase lists are data a municipality edits without touching code: `guardrails.yaml`
in the flows folder (its comments explain the syntax). A folder without one gets Knuff's
shipped list, so pointing FLOWS_DIR elsewhere never switches the guardrails off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from bot.flows.checks import Problem, targets
from bot.flows.schema import AskStep, EndStep, Flow, SendStep
from bot.i18n.languages import LANGUAGES, SOURCE

GUARDRAILS_FILE = "guardrails.yaml"
SHIPPED = Path(__file__).resolve().parents[2] / "flows" / GUARDRAILS_FILE
SECTIONS = ("forbidden", "sensitive", "free_text_ways_out")
# "?" as Latin, Arabic-script, Ethiopic and full-width text write it.
_QUESTION_MARKS = re.compile("[?\u061f\u1367\uff1f]")


@dataclass(frozen=True)
class Rule:
    """A phrase from guardrails.yaml, why it is there, and longer phrases that excuse it."""

    phrase: str
    pattern: re.Pattern[str]
    reason: str = ""
    allow: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Guardrails:
    """The phrase lists, per language code."""

    forbidden: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    sensitive: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)
    free_text_ways_out: Mapping[str, tuple[Rule, ...]] = field(default_factory=dict)


def guardrails_path(flows_dir: Path) -> Path:
    """The folder's own guardrails.yaml, else the list Knuff ships."""
    own = flows_dir / GUARDRAILS_FILE
    return own if own.exists() else SHIPPED


def compile_phrase(phrase: str) -> re.Pattern[str]:
    """Whole words, any case, any whitespace between words; `*` stands for any letters
    (`sanktion*` is sanktionen, sanktioner…; `*skuld*` is hyresskuld, skulder…)."""
    words = [r"\w*".join(re.escape(piece) for piece in word.split("*"))
             for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def find(rules: tuple[Rule, ...], text: str) -> list[tuple[str, Rule]]:
    """(words found, rule) for each rule matching `text`, in text order; a match inside
    one of the rule's `allow` phrases, or overlapping an earlier rule's, is skipped."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, str, Rule]] = []
    for rule in rules:
        allowed = [m.span() for pattern in rule.allow for m in pattern.finditer(text)]
        for match in rule.pattern.finditer(text):
            start, end = match.span()
            if any(a <= start and end <= b for a, b in allowed) or \
                    any(start < b and a < end for a, b in taken):
                continue
            taken.append((start, end))
            found.append((start, match.group(), rule))
    return [(words, rule) for _, words, rule in sorted(found, key=lambda f: f[0])]


@dataclass(frozen=True)
class ClientText:
    """One text a client can read, where it sits and what it is part of."""

    step: str | None
    where: str  # "text", "reask", "choice 2 label"
    key: str  # the catalog key (msgctxt)
    text: str
    in_question: bool  # part of an ask step (or a re-ask)
    whole_message: bool  # starts a message of its own (choice labels do not)


def client_texts(flow: Flow) -> list[ClientText]:
    """Every client-facing text of `flow`, in file order."""
    found: list[ClientText] = []
    for step in flow.steps:
        key, asks = f"{flow.id}.{step.id}", isinstance(step, AskStep)
        if isinstance(step, SendStep | AskStep | EndStep) and step.text:
            found.append(ClientText(step.id, "text", key, step.text, asks, True))
        if isinstance(step, AskStep):
            found += [ClientText(step.id, f"choice {c.key} label", f"{key}.choice.{c.key}",
                                 c.label, True, False) for c in step.choices or []]
            if step.reask:
                found.append(ClientText(step.id, "reask", f"{key}.reask", step.reask, True, True))
    if flow.reask:
        found.append(ClientText(None, "reask", f"{flow.id}.reask", flow.reask, True, True))
    return found


def text_problems(flow: Flow, file: str, guardrails: Guardrails, language: str = SOURCE,
                  translations: Mapping[str, str] | None = None) -> list[Problem]:
    """Forbidden phrases, sensitive questions and messages asking more than one thing, in
    the Swedish source or (with `translations`, catalog key -> text) in `language`."""
    texts = client_texts(flow)
    if translations is not None:
        texts = [replace(t, text=translations[t.key]) for t in texts if translations.get(t.key)]
    in_language = f" in {language}" if translations is not None else ""
    problems: list[Problem] = []
    for text in texts:
        where = f"{text.where}{in_language}"
        for words, rule in find(guardrails.forbidden.get(language, ()), text.text):
            problems.append(Problem(file, text.step,
                                    f'{where}: forbidden phrase "{words}" ({rule.reason})'))
        if text.in_question:
            for words, rule in find(guardrails.sensitive.get(language, ()), text.text):
                problems.append(Problem(file, text.step, f'{where}: sensitive question '
                                                         f'about "{words}" ({rule.reason})'))
        marks = len(_QUESTION_MARKS.findall(text.text))
        if text.whole_message and marks > 1:
            problems.append(Problem(file, text.step, f"{where} asks {marks} questions "
                                                     "(one question per message)"))
    if translations is None:
        problems += _free_text_problems(flow, file, guardrails)
    return problems


def _free_text_problems(flow: Flow, file: str, guardrails: Guardrails) -> list[Problem]:
    """The engine cannot offer numbered answers with free text. A free-text question the
    client can meet before any numbered question (each offers a person) must therefore
    say itself how to skip it or reach a person."""
    ways_out = guardrails.free_text_ways_out.get(SOURCE, ())
    early = _before_numbered_questions(flow)
    problems = []
    for step in flow.steps:
        if isinstance(step, AskStep) and step.free_text and not step.choices and ways_out \
                and step.id in early and not find(ways_out, step.text):
            problems.append(Problem(file, step.id, (
                "free-text ask comes before any numbered question, so it must say how to "
                f'skip it or reach a person (a phrase from free_text_ways_out, e.g. '
                f'"{ways_out[0].phrase}")')))
    return problems


def _before_numbered_questions(flow: Flow) -> set[str]:
    """Steps the client can reach from the start without being asked a numbered question."""
    seen: set[str] = set()
    todo = [flow.start]
    while todo:
        step_id = todo.pop()
        if step_id in seen or not flow.has_step(step_id):
            continue
        seen.add(step_id)
        step = flow.step(step_id)
        if not (isinstance(step, AskStep) and step.choices):
            todo += [target for _, target in targets(step)]
    return seen


class _Shape:
    """Reads a composed guardrails.yaml node tree; every problem names its line."""

    def __init__(self, file: str):
        self.file, self.problems = file, []

    def say(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.file, None, f"line {line}: {message}"))

    def phrases(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.SequenceNode):
            self.say(node, f"{what} must be a list of phrases")
            return []
        good = []
        for item in node.value:
            if not isinstance(item, yaml.ScalarNode) or not item.value.strip():
                self.say(item, f"{what}: a phrase must be text")
            elif any(not word.strip("*") for word in item.value.split()):
                self.say(item, f"phrase '{item.value}': '*' only stands for the start or end "
                               "of a word, next to letters")
            else:
                good.append((item.value, item))
        return good

    def language(self, node: yaml.Node) -> str | None:
        code = node.value if isinstance(node, yaml.ScalarNode) else ""
        if code not in LANGUAGES:
            self.say(node, f"unknown language '{code}' (expected a code such as sv, en, ar)")
            return None
        return code

    def by_language(self, node: yaml.Node, what: str, reason: str = "",
                    allow: Mapping[str, tuple[re.Pattern[str], ...]] | None = None,
                    ) -> dict[str, list[Rule]]:
        rules: dict[str, list[Rule]] = {}
        for key_node, value in node.value:
            code = self.language(key_node)
            if code is not None:
                rules[code] = [Rule(phrase, compile_phrase(phrase), reason,
                                    (allow or {}).get(code, ()))
                               for phrase, _ in self.phrases(value, f"{what} {code}")]
        return rules

    def groups(self, node: yaml.Node, section: str) -> dict[str, tuple[Rule, ...]]:
        rules: dict[str, list[Rule]] = {}
        if not isinstance(node, yaml.SequenceNode):
            self.say(node, f"{section} must be a list of groups, each with a reason and "
                           "phrases per language")
            return {}
        for group in node.value:
            if not isinstance(group, yaml.MappingNode):
                self.say(group, f"a {section} group must be a mapping with a reason and "
                                "phrases per language")
                continue
            fields = {k.value: (k, v) for k, v in group.value if isinstance(k, yaml.ScalarNode)}
            reason = fields.pop("reason", (None, None))[1]
            if not isinstance(reason, yaml.ScalarNode) or not reason.value.strip():
                self.say(group, f"a {section} group needs a reason")
                continue
            allow: dict[str, tuple[re.Pattern[str], ...]] = {}
            if "allow" in fields:
                _, allow_node = fields.pop("allow")
                if isinstance(allow_node, yaml.MappingNode):
                    allow = {code: tuple(r.pattern for r in found) for code, found in
                             self.by_language(allow_node, "allow").items()}
                else:
                    self.say(allow_node, "allow must map language codes to phrases")
            rest = yaml.MappingNode(group.tag, [fields[k] for k in fields], group.start_mark)
            found = self.by_language(rest, section, reason.value.strip(), allow)
            if not rest.value:
                self.say(group, f"a {section} group needs phrases for at least one language")
            for code, group_rules in found.items():
                rules.setdefault(code, []).extend(group_rules)
        return {code: tuple(found) for code, found in rules.items()}


def guardrails_from_node(node: yaml.Node | None, file: str) -> tuple[Guardrails, list[Problem]]:
    """Guardrails from a composed YAML document, or every problem with its shape."""
    shape = _Shape(file)
    if not isinstance(node, yaml.MappingNode):
        shape.say(node, f"guardrails must be a mapping with {', '.join(SECTIONS)}")
        return Guardrails(), shape.problems
    sections = {}
    for key, value in node.value:
        if key.value not in SECTIONS:
            shape.say(key, f"unknown key '{key.value}' (expected {', '.join(SECTIONS)})")
        sections[key.value] = value
    for missing in (name for name in SECTIONS if name not in sections):
        shape.say(node, f"missing '{missing}'")
    forbidden = shape.groups(sections["forbidden"], "forbidden") \
        if "forbidden" in sections else {}
    sensitive = shape.groups(sections["sensitive"], "sensitive") \
        if "sensitive" in sections else {}
    ways_out: dict[str, tuple[Rule, ...]] = {}
    out_node = sections.get("free_text_ways_out")
    if isinstance(out_node, yaml.MappingNode):
        ways_out = {code: tuple(rules) for code, rules in
                    shape.by_language(out_node, "free_text_ways_out").items()}
        if not ways_out.get(SOURCE):
            shape.say(out_node, f"free_text_ways_out needs {SOURCE} phrases")
    elif out_node is not None:
        shape.say(out_node, "free_text_ways_out must map language codes to phrases")
    return Guardrails(forbidden, sensitive, ways_out), shape.problems
