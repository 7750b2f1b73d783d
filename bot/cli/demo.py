"""`seed-demo`: a case manager and clients in several languages, for `make run`."""

from __future__ import annotations

from datetime import timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from bot import db
from bot.cli.schema import needs_schema
from bot.models import Client, Role, Staff, SwedishLevel, utcnow
from bot.services import conversations
from bot.services.runtime import runtime
from bot.web.security import hash_password

# 070-174 06 05 … 070-174 06 99 are reserved by PTS for fiction: they never reach anyone.
DEMO_STAFF = [
    ("sara@demo.knuff.se", "Sara", Role.CASE_MANAGER, "Team Norr"),
    ("ali@demo.knuff.se", "Ali", Role.CASE_MANAGER, "Team Norr"),
    ("tolk@demo.knuff.se", "Nadia", Role.INTERPRETER, None),
    ("admin@demo.knuff.se", "Admin", Role.ADMIN, None),
]
# Local demo only (`make run`): every demo account has this password.
DEMO_PASSWORD = "knuff-demo-2026"
DEMO_CLIENTS = [
    ("+46701740605", "Johan", "sv", SwedishLevel.FLUENT, False, "sara@demo.knuff.se"),
    ("+46701740606", "Amina", "ar", SwedishLevel.INTERPRETER, True, "sara@demo.knuff.se"),
    ("+46701740607", "Hodan", "so", SwedishLevel.EASY, True, "sara@demo.knuff.se"),
    ("+46701740608", "Yonas", "ti", SwedishLevel.INTERPRETER, False, "ali@demo.knuff.se"),
    ("+46701740609", "Olena", "uk", SwedishLevel.EASY, False, "ali@demo.knuff.se"),
    ("+46701740610", "Leyla", "fa_AF", SwedishLevel.UNKNOWN, False, None),
]


@click.command("seed-demo")
@with_appcontext
@click.option("--nudge-in", default=60, show_default=True,
              help="Seconds until Johan's demo check-in arrives (first run only)")
@needs_schema
def seed_demo_command(nudge_in: int) -> None:
    """Create demo staff, clients and one scheduled check-in. Safe to run twice."""
    session = db.session()
    staff = {}
    for email, name, role, team in DEMO_STAFF:
        person = session.scalar(sa.select(Staff).where(Staff.email == email))
        if person is None:
            person = Staff(email=email, first_name=name, role=role, team=team,
                           password_hash=hash_password(DEMO_PASSWORD))
            session.add(person)
        staff[email] = person
    session.flush()
    added = 0
    for phone, name, lang, level, bilingual, manager in DEMO_CLIENTS:
        if session.scalar(sa.select(Client.id).where(Client.phone == phone)) is None:
            session.add(Client(phone=phone, first_name=name, language=lang, swedish_level=level,
                               bilingual=bilingual,
                               case_manager_id=staff[manager].id if manager else None))
            added += 1
    session.flush()
    johan = session.scalar(sa.select(Client).where(Client.phone == DEMO_CLIENTS[0][0]))
    conversations.enrol(session, runtime(), johan, "activity_checkin",
                        at=utcnow() + timedelta(seconds=nudge_in), by="seed-demo",
                        key="demo:johan:activity_checkin")
    session.commit()
    click.echo(f"demo data ready: {len(DEMO_STAFF)} staff, {added} new clients "
               f"({len(DEMO_CLIENTS)} in all)")
    click.echo("staff log-in (demo only): " + ", ".join(e for e, *_ in DEMO_STAFF)
               + f"; password {DEMO_PASSWORD}")
