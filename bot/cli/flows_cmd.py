"""`flask flows check` and `flask flows simulate`: validate flow files, and try a flow
in the terminal as if you were the client."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup

from bot.engine import AlertRaised, FlowRunError, OutMessage, Turn, machine
from bot.flows.budgets import budget_problems, client_messages, render_worst_case
from bot.flows.guardrails import Guardrails, text_problems
from bot.flows.loader import (
    FlowError,
    Problem,
    check_library,
    flow_files,
    load_flow,
    load_guardrails,
    load_library,
)
from bot.flows.schema import AlertStep, Flow
from bot.i18n.catalogs import known_from_po, po_language
from bot.i18n.pofile import parse_po
from bot.i18n.render import render

flows_cli = AppGroup("flows", help="Check and try out conversation flows.")

_TIMEZONE = "Europe/Stockholm"


def _flows_dir(option: str | None) -> Path:
    return Path(option or current_app.config["FLOWS_DIR"])


@flows_cli.command("check")
@click.option("--dir", "directory", help="Folder with flow files (default: FLOWS_DIR).")
@click.option("--translations", "translations_dir",
              help="Folder with PO files whose budgets to check (default: TRANSLATIONS_DIR).")
def check_command(directory: str | None, translations_dir: str | None) -> None:
    """Validate every flow file and list each problem on its own line; translated texts
    (drafts too) must fit the same SMS budgets as the Swedish and keep the guardrails."""
    folder = _flows_dir(directory)
    problems = check_library(folder)
    guardrails, _ = load_guardrails(folder)
    if not problems and guardrails is not None:
        problems = translation_problems(
            load_library(folder), Path(translations_dir or current_app.config["TRANSLATIONS_DIR"]),
            guardrails)
    if problems:
        for problem in problems:
            click.echo(str(problem))
        files = len({p.file for p in problems})
        click.echo(f"{len(problems)} problems in {files} files")
        raise SystemExit(1)
    click.echo(f"OK: {len(flow_files(folder))} flows")


def translation_problems(flows: dict[str, Flow], translations_dir: Path,
                         guardrails: Guardrails) -> list[Problem]:
    """Every translated message (all its parts translated) rendered with worst-case values
    in its language, against the step's segment budget; every translated text against
    the language's forbidden phrases and sensitive words, one question per message."""
    problems: list[Problem] = []
    for path in sorted(translations_dir.glob("*/LC_MESSAGES/flows.po")):
        name = str(path.relative_to(translations_dir.parent))
        po = parse_po(path.read_bytes(), name)
        language = po_language(po).code
        texts = {key: known.msgstr for key, known in known_from_po(po).items()}
        for flow in flows.values():
            for message in client_messages(flow):
                if not all(p.key in texts for p in message.parts if p.translate):
                    continue  # missing texts fall back to Swedish, which is checked
                rendered = render_worst_case(flow, message.template(texts), language)
                problems += budget_problems(flow, message.key, rendered, language, name)
            problems += text_problems(flow, name, guardrails, language, texts)
    return problems


def _parse_params(pairs: tuple[str, ...], kinds: dict[str, str], tz: ZoneInfo) -> dict:
    """`k=v` pairs; datetime params are ISO times, local time when no offset is given."""
    params: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--param")
        params[key] = _parse_time(value, tz) if kinds.get(key) == "datetime" else value
    return params


def _parse_time(value: str, tz: ZoneInfo) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _show(flow: Flow, turn: Turn, tz: ZoneInfo) -> None:
    """Print a turn as the client (messages) and the case manager (alerts, with the alert
    step's note from the flow) would see it."""
    for message in turn.of(OutMessage):
        click.echo(render(message.template, message.params, "sv", tz))
        click.echo("")
    for alert in turn.of(AlertRaised):
        value = (alert.answer or {}).get("value")
        step = flow.step(alert.step) if flow.has_step(alert.step) else None
        note = step.note if isinstance(step, AlertStep) and step.note else None
        click.echo(f"[signal till handläggaren: {alert.reason}"
                   f"{f' ({value})' if value else ''}{f': {note}' if note else ''}]")


def _prompt() -> str | None:
    """Read the client's reply; None at end of input."""
    try:
        return click.prompt("du", prompt_suffix="> ")
    except click.Abort:
        return None


@flows_cli.command("simulate")
@click.argument("flow_id")
@click.option("--param", "param_pairs", multiple=True, help="KEY=VALUE, e.g. meeting_at=…")
@click.option("--name", default="Amina", show_default=True, help="The client's first name.")
@click.option("--case-manager", default="Lena", show_default=True, help="Case manager's name.")
@click.option("--now", "now_text", help="Start time (ISO); default: the current time.")
@click.option("--dir", "directory", help="Folder with flow files (default: FLOWS_DIR).")
def simulate_command(flow_id: str, param_pairs: tuple[str, ...], name: str, case_manager: str,
                     now_text: str | None, directory: str | None) -> None:
    """Run a flow in the terminal. Reply as the client; /timeout fires the timer, /quit quits."""
    tz = ZoneInfo(_TIMEZONE)
    try:
        flow = load_flow(_flows_dir(directory) / f"{flow_id}.yaml")
    except FlowError as error:
        raise click.ClickException(str(error)) from None
    params = {"name": name, "case_manager": case_manager,
              **_parse_params(param_pairs, dict(flow.params), tz)}
    now = _parse_time(now_text, tz) if now_text else datetime.now(tz)
    try:
        turn = machine.start(flow, now, params)
        _show(flow, turn, tz)
        while turn.state.status == "waiting":
            if turn.state.awaiting == "time" and turn.state.wake_at is not None:
                click.echo(f"[väntar till {turn.state.wake_at.astimezone(tz):%Y-%m-%d %H:%M}]")
                now = turn.state.wake_at
                turn = machine.wake(flow, turn.state, now, params)
            else:
                text = _prompt()
                if text is None or text.strip() == "/quit":
                    click.echo("[avslutat]")
                    return
                if text.strip() == "/timeout":
                    now = turn.state.wake_at or now
                    turn = machine.wake(flow, turn.state, now, params)
                else:
                    turn = machine.reply(flow, turn.state, text, now, params)
            _show(flow, turn, tz)
    except FlowRunError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"[flödet är slut: {turn.state.status}]")
