"""Commands for the database, clients, staff and enrolments. Errors name what to fix."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from bot import db, migrate
from bot.cli.schema import needs_schema
from bot.models import Client, Role, Staff, utcnow
from bot.phones import InvalidPhone, parse_mobile
from bot.services import clients as client_service
from bot.services import conversations
from bot.services.audit import audit
from bot.services.runtime import runtime
from bot.timeutil import parse_time

db_cli = AppGroup("db", help="Database schema.")
clients_cli = AppGroup("clients", help="Register clients.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Migrate the database at DATABASE_URL to the newest schema."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {_safe_url()} is at {revision}")


def _safe_url() -> str:
    return sa.engine.make_url(current_app.config["DATABASE_URL"]).render_as_string(
        hide_password=True)


@clients_cli.command("add")
@click.option("--phone", required=True, help="Mobile number, e.g. 070-123 45 67")
@click.option("--name", "first_name", required=True, help="First name only")
@click.option("--language", default="sv", show_default=True)
@click.option("--swedish-level", default="unknown", show_default=True,
              help="1-4 or fluent/easy/interpreter/unknown")
@click.option("--case-manager", default=None, help="The case manager's e-mail")
@click.option("--bilingual", is_flag=True, help="Also send the easy-Swedish text")
@needs_schema
def clients_add(phone: str, first_name: str, language: str, swedish_level: str,
                case_manager: str | None, bilingual: bool) -> None:
    """Register one client."""
    session = db.session()
    try:
        client = client_service.add(session, client_service.ClientInput(
            phone=phone, first_name=first_name, language=language,
            swedish_level=swedish_level, case_manager=case_manager, bilingual=bilingual,
        ), actor="cli")
    except client_service.ClientError as exc:
        raise click.ClickException(str(exc)) from None
    session.commit()
    click.echo(f"client {client.id} registered ({client.first_name}, {client.language})")


@clients_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@needs_schema
def clients_import(file: Path) -> None:
    """Import clients from CSV (phone, first_name, language, swedish_level, case_manager).
    Nothing is imported if any row is wrong."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{file}: not UTF-8 text ({exc.reason} at byte "
                                   f"{exc.start})") from None
    session = db.session()
    try:
        imported = client_service.import_csv(session, text, actor="cli")
    except client_service.ClientError as exc:
        raise click.ClickException(f"{file}: nothing imported\n{exc}") from None
    session.commit()
    click.echo(f"{len(imported)} clients imported from {file}")


@click.command("enrol")
@with_appcontext
@click.argument("phone")
@click.argument("flow")
@click.option("--at", "at_text", default=None,
              help="ISO-8601 start time (local time unless an offset is given); default now")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Flow parameter, e.g. meeting_at=2026-12-01T14:00")
@needs_schema
def enrol_command(phone: str, flow: str, at_text: str | None, params: tuple[str, ...]) -> None:
    """Enrol the client with PHONE in FLOW."""
    rt = runtime()
    try:
        e164 = parse_mobile(phone)
        at = parse_time(at_text, rt.tz) if at_text else utcnow()
        given = dict(_pair(p) for p in params)
    except (InvalidPhone, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    session = db.session()
    client = session.scalar(sa.select(Client).where(Client.phone == e164))
    if client is None:
        raise click.ClickException("no client with that phone number; add one with "
                                   "`flask --app bot clients add`")
    try:
        enrollment = conversations.enrol(session, rt, client, flow, at=at, params=given,
                                         by="cli")
    except (LookupError, conversations.EnrolError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    audit(session, "cli", "enrol", f"client:{client.id}", detail={"flow": flow})
    session.commit()
    local = at.astimezone(rt.tz)
    click.echo(f"enrolment {enrollment.id}: {flow} starts {local:%Y-%m-%d %H:%M %Z}")


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--param {text!r}: write it as NAME=VALUE")
    return name.strip(), value.strip()


@click.command("create-staff")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", "first_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--team", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              envvar="KNUFF_NEW_STAFF_PASSWORD",
              help="Asked for when not given (or set KNUFF_NEW_STAFF_PASSWORD)")
@needs_schema
def create_staff_command(email: str, first_name: str, role: str, team: str | None,
                         password: str) -> None:
    """Create a staff account (admin, case_manager or interpreter) that can log in."""
    from bot.web.security import PasswordError, hash_password

    try:
        password_hash = hash_password(password)
    except PasswordError as exc:
        raise click.ClickException(f"the password will not do: {exc}") from None
    session = db.session()
    email = email.strip().lower()
    if "@" not in email:
        raise click.ClickException(f"{email!r} is not an e-mail address")
    if session.scalar(sa.select(Staff.id).where(Staff.email == email)) is not None:
        raise click.ClickException(f"staff {email} already exists")
    staff = Staff(email=email, first_name=first_name.strip(), role=Role(role), team=team,
                  password_hash=password_hash)
    session.add(staff)
    session.flush()
    audit(session, "cli", "staff.create", f"staff:{staff.id}", detail={"role": role})
    session.commit()
    click.echo(f"staff {staff.id} created: {email} ({role})")
