"""What a flow that matches the schema can still get wrong, as precise `Problem`s.

References, reachability, loops, a way to the end from every step, placeholders, language
changes, reports (see `schema.REPORTS`) and the guardrails (every question has a timeout, a
way to a person and a re-ask).
What the texts say is checked in `bot.flows.guardrails`; readability and SMS segment
budgets in `bot.flows.budgets`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.flows.schema import (
    REPORTS,
    AlertStep,
    AskStep,
    BranchStep,
    EndStep,
    Flow,
    SendStep,
    SetLanguageStep,
    Step,
    WaitStep,
)
from bot.i18n.languages import LANGUAGES
from bot.i18n.render import has_stray_brace, placeholders
from bot.i18n.replies import choice_words

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


Say = Callable[[str | None, str], None]


def targets(step: Step) -> list[tuple[str, str]]:
    """(field, step id) for every step this step can lead to."""
    pairs: list[tuple[str, str | None]] = []
    if isinstance(step, SendStep | AlertStep | SetLanguageStep):
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


def _check_graph(flow: Flow, say: Say) -> None:
    """Duplicate ids, dangling references, unreachable steps, loops that never pause."""
    ids: set[str] = set()
    for step in flow.steps:
        if step.id in ids:
            say(step.id, "duplicate step id")
        ids.add(step.id)
    if flow.start not in ids:
        say(None, f"start points to unknown step '{flow.start}'")
    for step in flow.steps:
        for label, target in targets(step):
            if target not in ids:
                say(step.id, f"{label} points to unknown step '{target}'")
    reached, todo = set(), [flow.start]
    while todo:
        step_id = todo.pop()
        if step_id in ids and step_id not in reached:
            reached.add(step_id)
            todo += [target for _, target in targets(flow.step(step_id))]
    if flow.id not in ENTRY_POINT_FLOWS:
        for step in flow.steps:
            if step.id not in reached:
                say(step.id, "unreachable from start")
    _check_loops(flow, ids, say)
    _check_ends(flow, reached, ids, say)


def _ends_here(step: Step) -> bool:
    """True when the engine may finish the flow at this step: an end step, or an empty
    next, on_timeout, choice next, on_other (after the re-ask) or if_passed."""
    if isinstance(step, EndStep):
        return True
    if isinstance(step, SendStep | AlertStep | SetLanguageStep):
        return step.next is None
    if isinstance(step, AskStep) and step.free_text:
        return step.next is None or step.on_timeout is None
    if isinstance(step, AskStep):
        return (step.on_timeout is None or step.on_other is None
                or any(c.next is None for c in step.choices or []))
    return isinstance(step, WaitStep) and step.if_passed is None


def _check_ends(flow: Flow, reached: set[str], ids: set[str], say: Say) -> None:
    """Every question and wait must have some path to the end. (A cycle with no question
    or wait in it is reported as a loop; a dangling reference on its own.)"""
    ending = {s.id for s in flow.steps if _ends_here(s)}
    grew = True
    while grew:
        grew = False
        for step in flow.steps:
            if step.id not in ending and any(t in ending or t not in ids
                                             for _, t in targets(step)):
                ending.add(step.id)
                grew = True
    for step in flow.steps:
        if step.id in reached and step.id not in ending and isinstance(step, AskStep | WaitStep):
            say(step.id, "the conversation can never end after this step "
                         "(no path to an end step or an empty next)")


def _check_loops(flow: Flow, ids: set[str], say: Say) -> None:
    """A cycle of steps that neither ask nor wait would run forever within one turn."""
    moving = {s.id for s in flow.steps
              if isinstance(s, SendStep | AlertStep | BranchStep | SetLanguageStep)}
    done: set[str] = set()

    def visit(step_id: str, path: list[str]) -> None:
        if step_id in path:
            cycle = path[path.index(step_id):] + [step_id]
            say(step_id, f"steps loop without an ask or wait: {' -> '.join(cycle)}")
            return
        if step_id in done or step_id not in moving:
            return
        for _, target in targets(flow.step(step_id)):
            if target in ids:
                visit(target, [*path, step_id])
        done.add(step_id)

    for step_id in sorted(moving):
        visit(step_id, [])


def _check_ask(flow: Flow, step: AskStep, say: Say) -> None:
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
        for word in sorted(choice_words(choice)):
            if word in owner and owner[word] != choice.key:
                say(step.id, f"word '{word}' is used by choices {owner[word]} and {choice.key}")
            owner.setdefault(word, choice.key)
    if not (step.reask or flow.reask):
        say(step.id, "no reask text: set reask on the step or the flow")


def _check_report(step: AskStep, say: Say) -> None:
    """A question a report counts offers every answer value the report shows."""
    if step.report is None:
        return
    if not step.choices:
        say(step.id, f"report '{step.report}' counts numbered answers; this question has none")
        return
    offered = {c.value for c in step.choices}
    missing = [value for value in REPORTS[step.report] if value not in offered]
    if missing:
        say(step.id, f"report '{step.report}' counts the answers {', '.join(missing)}, "
                     "which no choice of this question has as its value")


def claimed_reports(named: Iterable[tuple[str, Flow]], *,
                    other_files_only: bool = False) -> list[Problem]:
    """A report counts one question: every later question claiming it is a problem.
    `other_files_only` skips a claim made twice in one file (reported with that file)."""
    first: dict[str, tuple[str, str]] = {}
    problems: list[Problem] = []
    for name, flow in named:
        for step in flow.steps:
            if not isinstance(step, AskStep) or step.report is None:
                continue
            if step.report not in first:
                first[step.report] = (name, step.id)
            elif not (other_files_only and first[step.report][0] == name):
                file, other = first[step.report]
                problems.append(Problem(name, step.id, f"report '{step.report}' is already "
                                        f"counted by {file} step '{other}'; a report counts "
                                        "one question"))
    return problems


def _check_set_language(flow: Flow, step: SetLanguageStep, say: Say) -> None:
    """The answer it reads is a choice question whose choices leading here are languages."""
    asks = [s for s in flow.steps if isinstance(s, AskStep) and s.save_as == step.from_]
    if not asks:
        say(step.id, f"set_language from unknown answer '{step.from_}'")
        return
    for ask in asks:
        if not ask.choices:
            say(step.id, f"set_language from '{step.from_}', which is not a choice question")
        for choice in ask.choices or []:
            if choice.next == step.id and choice.value not in LANGUAGES:
                say(ask.id, f"choice {choice.key} leads to set_language but its value "
                            f"'{choice.value}' is not a language code")


def _check_texts(flow: Flow, say: Say) -> None:
    """Every placeholder must be known: name, case_manager, params, P_date/P_time, and
    {language} (the new language's name) in a flow that changes the language."""
    known = set(ALWAYS_AVAILABLE)
    for param, kind in flow.params.items():
        known |= {f"{param}_date", f"{param}_time"} if kind == "datetime" else {param}
    if any(isinstance(step, SetLanguageStep) for step in flow.steps):
        known.add("language")
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


def structure_problems(flow: Flow, name: str) -> list[Problem]:
    """Problems a valid-looking flow can still have, in file order."""
    problems: list[Problem] = []

    def say(step: str | None, message: str) -> None:
        problems.append(Problem(name, step, message))

    _check_graph(flow, say)
    answers = {s.save_as for s in flow.steps if isinstance(s, AskStep)}
    for step in flow.steps:
        if isinstance(step, AskStep):
            _check_ask(flow, step, say)
            _check_report(step, say)
        elif isinstance(step, BranchStep) and step.on not in answers:
            say(step.id, f"branch on unknown answer '{step.on}'")
        elif isinstance(step, WaitStep) and flow.params.get(step.until) != "datetime":
            say(step.id, f"wait until '{step.until}', which is not a datetime param")
        elif isinstance(step, SetLanguageStep):
            _check_set_language(flow, step, say)
        if flow.id in ENTRY_POINT_FLOWS:
            if not isinstance(step, SendStep | EndStep):
                say(step.id, f"only send and end steps belong in the {flow.id} flow")
            elif isinstance(step, SendStep) and step.next is not None:
                say(step.id, "next must be empty: the host sends each text on its own")
    _check_texts(flow, say)
    return problems + claimed_reports([(name, flow)])
