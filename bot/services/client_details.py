"""The staff app's client form: check every field of a registration or an edit first (each
problem named per field), then write it, audited; and the search behind the client list."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.i18n.languages import language
from bot.models import (
    Alert,
    Client,
    ClientStatus,
    Enrollment,
    EnrollmentStatus,
    Gender,
    Role,
    Staff,
    SwedishLevel,
    utcnow,
)
from bot.phones import InvalidPhone, parse_mobile
from bot.services import events
from bot.services.audit import audit
from bot.services.clients import ClientError
from bot.services.runtime import Runtime

BIRTH_AGES = (16, 100)  # a plausible client is 16 to 100 years old
_QUIET = re.compile(r"^\s*([01]?\d|2[0-3]):([0-5]\d)\s*[-\u2013]\s*([01]?\d|2[0-3]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class ClientDetails:
    """What the staff app's client form holds; `check_details` turns it into columns."""

    phone: str
    first_name: str
    language: str = "sv"
    swedish_level: str = "unknown"
    bilingual: bool = False
    fallback_english: bool = False
    needs_interpreter: bool = False
    quiet_hours: str = ""  # "HH:MM-HH:MM", or empty for the service's default
    gender: str = ""  # empty: not recorded
    birth_year: int | None = None
    case_manager_id: int | None = None


@dataclass(frozen=True)
class Problem:
    """One field that cannot be saved. `code` (with `values`) lets the staff app say it in
    its own language; `message` says it in English for logs and the command line."""

    field: str
    code: str
    message: str
    values: dict[str, Any] = dataclasses.field(default_factory=dict)


class DetailsError(ClientError):
    """Every problem found in a client form, all at once."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Edited:
    """What an edit changed (field names only) and, when the case manager changed, what
    the reassignment started."""

    changed: list[str]
    reassigned: events.Outcome | None = None


def assignable_case_managers(db: so.Session, staff: Staff) -> list[Staff]:
    """Whom `staff` may make a client's case manager: an admin any active case manager;
    a case manager themselves or an active case manager in their own team."""
    query = sa.select(Staff).where(Staff.role == Role.CASE_MANAGER, Staff.active.is_(True))
    if staff.role is Role.CASE_MANAGER:
        mine = Staff.id == staff.id
        query = query.where(sa.or_(mine, Staff.team == staff.team) if staff.team else mine)
    elif staff.role is not Role.ADMIN:
        return []
    return list(db.scalars(query.order_by(Staff.first_name, Staff.id)))


def check_details(db: so.Session, details: ClientDetails, staff: Staff, *,
                  client: Client | None = None, today: date | None = None) -> dict[str, Any]:
    """Check a whole client form for `staff`; returns column values or raises DetailsError
    listing every problem. `client` is the one being edited (None when registering)."""
    today = today or utcnow().date()
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def say(name: str, code: str, message: str, **extra: Any) -> None:
        problems.append(Problem(name, code, message, extra))

    try:
        values["phone"] = parse_mobile(details.phone)
    except InvalidPhone as exc:
        say("phone", _phone_problem(details.phone), str(exc))
    else:
        taken = sa.select(Client.id).where(Client.phone == values["phone"])
        if client is not None:
            taken = taken.where(Client.id != client.id)
        if db.scalar(taken) is not None:
            say("phone", "duplicate", "a client with this phone number is already registered")
    name = (details.first_name or "").strip()
    if not name:
        say("first_name", "empty", "first name is empty")
    elif len(name) > 80:
        say("first_name", "too_long", "first name is longer than 80 characters", max=80)
    values["first_name"] = name
    try:
        values["language"] = language(details.language or "sv").code
    except ValueError as exc:
        say("language", "unknown", str(exc))
    try:
        values["swedish_level"] = SwedishLevel(details.swedish_level or "unknown")
    except ValueError:
        say("swedish_level", "unknown", f"unknown Swedish level {details.swedish_level!r}")
    values.update(bilingual=bool(details.bilingual),
                  fallback_english=bool(details.fallback_english),
                  needs_interpreter=bool(details.needs_interpreter))
    quiet = _QUIET.match(details.quiet_hours or "")
    if quiet is not None and [int(n) for n in quiet.groups()[:2]] == \
            [int(n) for n in quiet.groups()[2:]]:
        quiet = None
    if (details.quiet_hours or "").strip() and quiet is None:
        say("quiet_hours", "format", f"quiet hours {details.quiet_hours!r}: expected "
                                     "HH:MM-HH:MM with different start and end, like 21:00-09:00")
    values["quiet_hours"] = "{:0>2}:{}-{:0>2}:{}".format(*quiet.groups()) if quiet else None
    try:
        values["gender"] = Gender(details.gender) if details.gender else None
    except ValueError:
        say("gender", "unknown", f"unknown gender {details.gender!r}")
    oldest, youngest = today.year - BIRTH_AGES[1], today.year - BIRTH_AGES[0]
    if details.birth_year is not None and not oldest <= details.birth_year <= youngest:
        say("birth_year", "range", f"birth year {details.birth_year}: expected "
                                   f"{oldest}-{youngest}", low=oldest, high=youngest)
    values["birth_year"] = details.birth_year
    manager = details.case_manager_id
    allowed = {s.id for s in assignable_case_managers(db, staff)}
    if client is not None and client.case_manager_id is not None:
        allowed.add(client.case_manager_id)  # keeping the current one is always fine
    if manager is None:
        say("case_manager_id", "missing", "every client needs a case manager")
    elif manager not in allowed:
        say("case_manager_id", "not_allowed", "you may assign clients only to yourself or "
                                              "to a case manager in your team")
    values["case_manager_id"] = manager
    if problems:
        raise DetailsError(problems)
    return values


def _phone_problem(text: str) -> str:
    """Why `parse_mobile` refused a number, as a code: empty, not_a_number, invalid or
    landline."""
    raw = (text or "").strip()
    if not raw:
        return "empty"
    try:
        number = phonenumbers.parse(raw, "SE")
    except phonenumbers.NumberParseException:
        return "not_a_number"
    return "invalid" if not phonenumbers.is_valid_number(number) else "landline"


def register(db: so.Session, details: ClientDetails, staff: Staff, *,
             now: datetime | None = None) -> Client:
    """Register a client from the staff app's form (audited); DetailsError says what to fix.
    Two people registering the same number at once: the second is told it is taken."""
    now = now or utcnow()
    client = Client(**check_details(db, details, staff, today=now.date()), created_at=now,
                    updated_at=now)
    try:
        with db.begin_nested():
            db.add(client)
            db.flush()
    except sa.exc.IntegrityError:
        raise DetailsError([Problem("phone", "duplicate", "a client with this phone number "
                                                          "is already registered")]) from None
    audit(db, staff.email, "client.add", f"client:{client.id}", actor_id=staff.id, at=now,
          detail={"language": client.language, "via": "staff"})
    return client


def edit(db: so.Session, rt: Runtime, client: Client, details: ClientDetails, staff: Staff,
         *, now: datetime | None = None) -> Edited:
    """Save a client's changed details (audited by field name, never the values). A new
    case manager goes through `events.case_reassigned`, which introduces them."""
    now = now or utcnow()
    values = check_details(db, details, staff, client=client, today=now.date())
    manager = values.pop("case_manager_id")
    changed = [name for name, value in values.items() if getattr(client, name) != value]
    for name in changed:
        setattr(client, name, values[name])
    if changed:
        audit(db, staff.email, "client.edit", f"client:{client.id}", actor_id=staff.id,
              at=now, detail={"changed": changed})
    outcome = None
    if manager != client.case_manager_id:
        outcome = events.case_reassigned(db, rt, client, db.get_one(Staff, manager),
                                         staff.email, actor_id=staff.id, now=now)
        changed.append("case_manager_id")
    return Edited(changed, outcome)


def enrol_refusal(client: Client) -> str | None:
    """Why `client` cannot be enrolled now, as a code (None when they can): stopped by
    the client (STOPP; only START opens again) or by staff (resume first)."""
    if client.status is ClientStatus.STOPPED:
        return "stopped_by_staff" if client.stopped_by == "staff" else "stopped_by_client"
    return None


@dataclass(frozen=True)
class Row:
    """One line of the client list."""

    client: Client
    next_nudge: datetime | None
    open_alerts: int


def search(db: so.Session, visible: sa.Select, *, text: str = "", language_code: str = "",
           status: str = "", page: int = 1, per_page: int = 50) -> tuple[list[Row], bool]:
    """Clients from `visible` (the staff member's own; see bot.web.security) matching a
    first name or the last digits of the phone, a language and a status (active, paused,
    stopped); one page, and whether there are more."""
    query = visible
    wanted = (text or "").strip()
    digits = re.sub(r"[\s-]", "", wanted)
    if digits.isdigit():
        query = query.where(Client.phone.endswith(digits, autoescape=True))
    elif wanted:
        query = query.where(Client.first_name.icontains(wanted, autoescape=True))
    if language_code:
        query = query.where(Client.language == language_code)
    if status == "active":
        query = query.where(Client.status == ClientStatus.ACTIVE, Client.paused.is_(False))
    elif status == "paused":
        query = query.where(Client.status == ClientStatus.ACTIVE, Client.paused.is_(True))
    elif status == "stopped":
        query = query.where(Client.status == ClientStatus.STOPPED)
    found = list(db.scalars(query.order_by(Client.first_name, Client.id)
                            .offset((max(page, 1) - 1) * per_page).limit(per_page + 1)))
    more, found = len(found) > per_page, found[:per_page]
    ids = [c.id for c in found]
    nexts = dict(db.execute(
        sa.select(Enrollment.client_id, sa.func.min(Enrollment.start_at))
        .where(Enrollment.client_id.in_(ids), Enrollment.status == EnrollmentStatus.SCHEDULED)
        .group_by(Enrollment.client_id)).all()) if ids else {}
    alerts = dict(db.execute(
        sa.select(Alert.client_id, sa.func.count(Alert.id))
        .where(Alert.client_id.in_(ids), Alert.handled_at.is_(None))
        .group_by(Alert.client_id)).all()) if ids else {}
    return [Row(c, nexts.get(c.id), alerts.get(c.id, 0)) for c in found], more
