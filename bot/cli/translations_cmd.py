"""`flask translations …`: catalogs for interpreters and approvals from the command line.

extract  flows -> translations/flows.pot and every language's flows.po; changed Swedish
         texts send their translations back to review
import   an edited PO file (Poedit) into the database, optionally approving it
export   PO files from the database (what is approved is not fuzzy; the rest is)
status   approved / draft / needs review / missing per flow and language
approve  everything not yet approved in one language (or one flow of it), in bulk
ui-extract  the staff app's own texts -> messages.pot and the English messages.po
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from bot import db
from bot.cli.schema import needs_schema
from bot.flows.catalog import build_catalog
from bot.flows.loader import FlowError, load_library
from bot.i18n.catalogs import (
    PoError,
    drafts_only,
    known_from_po,
    language_catalog,
    parse_po,
    po_path,
    update_po_files,
    write_po,
)
from bot.i18n.languages import LANGUAGES, SOURCE, Language, language
from bot.services import approvals

translations_cli = AppGroup("translations", help="Translate flow texts and record approvals.")


def _folder(setting: str) -> Path:
    return Path(current_app.config[setting])


def _flows() -> dict:
    try:
        return load_library(_folder("FLOWS_DIR"))
    except FlowError as error:
        raise click.ClickException(f"fix the flows first:\n{error}") from None


def _languages(code: str | None) -> list[Language]:
    """One language (checked) or every language except the Swedish source."""
    if code is None:
        return [lang for lang in LANGUAGES.values() if lang.code != SOURCE]
    try:
        chosen = language(code)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="LANGUAGE") from None
    if chosen.code == SOURCE:
        raise click.BadParameter("Swedish is the source language", param_hint="LANGUAGE")
    return [chosen]


@translations_cli.command("extract")
@needs_schema
def extract_command() -> None:
    """Write flows.pot, update every flows.po, mark changed Swedish texts for review."""
    flows, folder = _flows(), _folder("TRANSLATIONS_DIR")
    template = build_catalog(_folder("FLOWS_DIR"))
    pot = folder / "flows.pot"
    write_po(pot, template)
    click.echo(f"{pot}: {sum(1 for m in template if m.id)} texts")
    for path in update_po_files(template, folder, _languages(None)):
        click.echo(f"updated {path}")
    session = db.session()
    try:
        changed = approvals.sync_from_flows(session, flows.values(), by="cli")
    except sa.exc.DBAPIError:
        raise click.ClickException("the database is not up to date: run "
                                   "`flask --app bot db upgrade`, then extract again") from None
    session.commit()
    if changed:
        click.echo(f"{len(changed)} translations need review: their Swedish text changed")


@translations_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--language", "code", help="The file's language (default: its header).")
@click.option("--approve", is_flag=True, help="Approve every entry that is not fuzzy.")
@click.option("--by", help="Who approves (the interpreter's name); needed with --approve.")
@needs_schema
def import_command(file: Path, code: str | None, approve: bool, by: str | None) -> None:
    """Import a PO file an interpreter edited. A broken file imports nothing."""
    if approve and not (by and by.strip()):
        raise click.UsageError("--approve needs --by NAME: who approved these texts")
    if code is not None:
        _languages(code)
    session = db.session()
    try:
        result = approvals.import_po(session, file, code, flows=_flows().values(),
                                     approve=approve, by=(by or "cli").strip())
    except PoError as error:
        session.rollback()
        raise click.ClickException(f"{error}\nNothing was imported.") from None
    session.commit()
    click.echo(f"{file} ({result.language}): {result.approved} approved, {result.drafts} "
               f"drafts, {result.needs_review} need review, {result.unchanged} unchanged")


@translations_cli.command("export")
@click.option("--language", "code", help="Only this language (default: all).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write to (default: TRANSLATIONS_DIR).")
@needs_schema
def export_command(code: str | None, out: Path | None) -> None:
    """Write PO files from the database: approved texts plain, everything else fuzzy."""
    flows, out = _flows(), out or _folder("TRANSLATIONS_DIR")
    template = build_catalog(_folder("FLOWS_DIR"))
    write_po(out / "flows.pot", template)
    session = db.session()
    for lang in _languages(code):
        path = po_path(out, lang.code)
        # Drafts that exist only in the file stay, as drafts: approval lives in the database.
        known = drafts_only(known_from_po(parse_po(path.read_bytes(), str(path)))) \
            if path.exists() else {}
        known.update(approvals.known_from_db(session, lang.code, flows.values()))
        write_po(path, language_catalog(template, lang, known))
        click.echo(str(path))


@translations_cli.command("status")
@click.option("--language", "code", help="Only this language (default: all).")
@needs_schema
def status_command(code: str | None) -> None:
    """Print approved / draft / needs review / missing per flow and language."""
    codes = [lang.code for lang in _languages(code)]
    rows = approvals.status(db.session(), _flows(), codes)
    width = max([len("flow"), *(len(row.flow) for row in rows)])
    click.echo(f"{'flow':<{width}}  {'language':<8}  approved  draft  review  missing")
    for row in rows:
        click.echo(f"{row.flow:<{width}}  {row.language:<8}  {row.approved:>8}  "
                   f"{row.draft:>5}  {row.needs_review:>6}  {row.missing:>7}")


@translations_cli.command("approve")
@click.argument("code", metavar="LANGUAGE")
@click.option("--flow", "flow_id", help="Only this flow (default: every flow).")
@click.option("--by", required=True, help="Who approves (the interpreter's name).")
@needs_schema
def approve_command(code: str, flow_id: str | None, by: str) -> None:
    """Approve every translation of LANGUAGE that is not approved yet (not rejected ones)."""
    lang, flows = _languages(code)[0], _flows()
    if flow_id is not None and flow_id not in flows:
        raise click.BadParameter(f"unknown flow {flow_id!r}; flows: {', '.join(sorted(flows))}",
                                 param_hint="--flow")
    if not by.strip():
        raise click.BadParameter("give the interpreter's name", param_hint="--by")
    session = db.session()
    count = approvals.approve(session, lang.code, flows=flows.values(), by=by.strip(),
                              flow=flow_id)
    session.commit()
    click.echo(f"{count} translations approved in {lang.code} by {by.strip()}")


@translations_cli.command("ui-extract")
def ui_extract_command() -> None:
    """Staff-app texts -> translations/messages.pot and each messages.po (English)."""
    from bot.i18n.ui_catalog import update

    for lang, count in update(_folder("TRANSLATIONS_DIR")).items():
        note = f"{count} texts still need an English translation" if count else "complete"
        click.echo(f"{lang}: {note} (translations/{lang}/LC_MESSAGES/messages.po)")
