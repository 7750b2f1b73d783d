"""`flask --app bot schedule …`: nudges at a time, around an event, or on weekdays.

    schedule add PHONE meeting_reminder --param meeting_at=2026-12-03T13:00   (its default)
    schedule add PHONE meeting_reminder --event-at 2026-12-03T13:00 --offset -1d@09:00
    schedule add PHONE activity_checkin --weekdays mon-fri --time 15:00 --weeks 4
    schedule add PHONE plan_step --at 2026-12-01T10:00 --dry-run
    schedule list PHONE          schedule cancel SCHEDULE_ID
"""

from __future__ import annotations

from typing import Any

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from bot import db
from bot.cli.schema import needs_schema
from bot.models import Client, Schedule
from bot.phones import InvalidPhone, parse_mobile
from bot.scheduling import WEEKDAYS
from bot.services import schedules
from bot.services.runtime import runtime

schedule_cli = AppGroup("schedule", help="Schedule nudges: once, around an event, or weekly.")


@schedule_cli.command("add")
@click.argument("phone")
@click.argument("flow")
@click.option("--at", "at_text", help="Once, at this local time (e.g. 2026-12-01T09:00) or now")
@click.option("--event-at", help="The event's local time; default: the flow's event param")
@click.option("--offset", "offsets", multiple=True,
              help="Relative to the event: now, -1d@09:00, +3wd@10:00, -2w, -2h (repeatable)")
@click.option("--if-past", type=click.Choice(["skip", "now"]), default=None,
              help="An offset already past: skip it (default) or send now")
@click.option("--weekdays", help="Recurring on these days: mon,wed,fri or mon-fri")
@click.option("--time", "clock", help="Recurring: the local time, e.g. 15:00")
@click.option("--weeks", type=int, help="Recurring: for this many weeks (at most 52)")
@click.option("--start", help="Recurring: the first day (default today)")
@click.option("--every", type=int, help="Recurring: every Nth week")
@click.option("--taper", is_flag=True, help="Recurring: weekly, then every other, then monthly")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Flow parameter, e.g. meeting_at=2026-12-03T13:00")
@click.option("--keep-holidays", is_flag=True, help="Do not move or drop holiday times")
@click.option("--dry-run", is_flag=True, help="Show the times; schedule nothing")
@needs_schema
def schedule_add(phone: str, flow: str, at_text: str | None, event_at: str | None,
                 offsets: tuple[str, ...], if_past: str | None, weekdays: str | None,
                 clock: str | None, weeks: int | None, start: str | None, every: int | None,
                 taper: bool, params: tuple[str, ...], keep_holidays: bool,
                 dry_run: bool) -> None:
    """Schedule FLOW for the client with PHONE; without timing options, the flow's
    default timing (or at once)."""
    rt, session = runtime(), db.session()
    client = _client(session, phone)
    try:
        given = dict(_pair(p) for p in params)
        kind, spec = _timing(rt, flow, at_text, event_at, offsets, if_past, weekdays, clock,
                             weeks, start, every, taper)
        seen = schedules.preview(session, rt, client, flow, kind, spec, given,
                                 skip_holidays=not keep_holidays)
        for occ in seen.occurrences:
            when = occ.at or occ.planned
            mark = "skip" if occ.skipped else "move" if occ.moved else "    "
            note = f"  ({occ.note})" if occ.note else ""
            click.echo(f"{mark} {when.astimezone(rt.tz):%a %Y-%m-%d %H:%M}{note}")
        for warning in seen.warnings:
            click.echo(f"note: {warning}")
        if dry_run:
            click.echo(f"dry run: {len(seen.times)} nudges would be scheduled")
            return
        made = schedules.create_schedule(session, rt, client, flow, kind, spec, given, "cli",
                                         skip_holidays=not keep_holidays)
    except (ValueError, LookupError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from None
    session.commit()
    count = len(schedules.nudges(session, schedule=made))
    click.echo(f"schedule {made.id}: {flow}, {count} nudges")


@schedule_cli.command("list")
@click.argument("phone")
@needs_schema
def schedule_list(phone: str) -> None:
    """The client's schedules and the nudges still to come."""
    rt, session = runtime(), db.session()
    client = _client(session, phone)
    found = schedules.schedules_for(session, client)
    for made in found:
        upcoming = schedules.nudges(session, schedule=made)
        click.echo(f"schedule {made.id}: {made.flow_id} ({made.kind.value}), "
                   f"{len(upcoming)} to come")
        for nudge in upcoming:
            click.echo(f"  {nudge.id}: {nudge.start_at.astimezone(rt.tz):%a %Y-%m-%d %H:%M}")
    if not found:
        click.echo("no schedules")


@schedule_cli.command("cancel")
@click.argument("schedule_id", type=int)
@needs_schema
def schedule_cancel(schedule_id: int) -> None:
    """Cancel a schedule's nudges that have not started."""
    session = db.session()
    made = session.get(Schedule, schedule_id)
    if made is None:
        raise click.ClickException(f"no schedule {schedule_id}")
    count = schedules.cancel_schedule(session, made, "cli")  # audited there
    session.commit()
    click.echo(f"schedule {schedule_id} cancelled: {count} nudges will not be sent")


def _client(session, phone: str) -> Client:
    try:
        e164 = parse_mobile(phone)
    except InvalidPhone as exc:
        raise click.ClickException(str(exc)) from None
    client = session.scalar(sa.select(Client).where(Client.phone == e164))
    if client is None:
        raise click.ClickException("no client with that phone number; add one with "
                                   "`flask --app bot clients add`")
    return client


def _timing(rt, flow: str, at_text, event_at, offsets, if_past, weekdays, clock, weeks,
            start, every, taper) -> tuple[str, dict[str, Any]]:
    """Which kind the options describe; none at all means the flow's default timing."""
    once = at_text is not None
    event = bool(event_at or offsets or if_past)
    recurring = any(v is not None for v in (weekdays, clock, weeks, start, every)) or taper
    if once + event + recurring > 1:
        raise click.UsageError("pick one timing: --at, or --event-at/--offset, or "
                               "--weekdays/--time/--weeks")
    if once:
        return "once", {"at": at_text}
    if recurring:
        spec = {"weekdays": _days(weekdays or ""), "time": clock, "weeks": weeks,
                "start": start, "every": every, "taper": taper or None}
        return "recurring", {k: v for k, v in spec.items() if v is not None}
    default = schedules.default_timing(rt, flow)
    if event:
        spec = dict(default[1]) if default and default[0] == "event" else {}
        spec.update({k: v for k, v in (("event_at", event_at), ("if_past", if_past)) if v})
        if offsets:
            spec["offsets"] = list(offsets)
        return "event", spec
    return default or ("once", {"at": "now"})


def _days(text: str) -> list[str]:
    """"mon,wed" or "mon-fri" (or Swedish names, or 1-7) as a list of days."""
    days: list[str] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        first, _, last = part.partition("-")
        if last and first.lower() in WEEKDAYS and last.lower() in WEEKDAYS:
            low, high = WEEKDAYS.index(first.lower()), WEEKDAYS.index(last.lower())
            days += list(WEEKDAYS[low:high + 1])
        else:
            days.append(part)
    return days


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--param {text!r}: write it as NAME=VALUE")
    return name.strip(), value.strip()
