"""Registering clients (validate everything first, then write) and pausing or stopping their
messages; every change is audited."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers
import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.i18n.languages import language
from bot.messaging.quiet_hours import QuietHours
from bot.models import (
    Alert,
    Client,
    ClientStatus,
    Enrollment,
    EnrollmentStatus,
    Gender,
    Message,
    MessageStatus,
    Role,
    Staff,
    SwedishLevel,
    utcnow,
)
from bot.phones import InvalidPhone, parse_mobile
from bot.services import conversations, events, schedules
from bot.services.audit import audit
from bot.services.runtime import Runtime

CSV_COLUMNS = ("phone", "first_name", "language", "swedish_level", "case_manager")


class ClientError(ValueError):
    """A client record that cannot be saved; the message says what is wrong."""


@dataclass(frozen=True)
class ClientInput:
    phone: str
    first_name: str
    language: str = "sv"
    swedish_level: str = "unknown"
    case_manager: str | None = None  # staff e-mail
    bilingual: bool = False


def swedish_level(text: str) -> SwedishLevel:
    """Accept the stored value or the category number 1-4 used in the municipal forms."""
    value = (text or "unknown").strip().lower()
    by_number = dict(zip("1234", SwedishLevel, strict=True))
    try:
        return by_number.get(value) or SwedishLevel(value)
    except ValueError:
        choices = ", ".join(f"{n}/{lvl.value}" for n, lvl in by_number.items())
        raise ClientError(f"Swedish level {text!r} is not one of {choices}") from None


def validate(db: so.Session, data: ClientInput) -> dict[str, Any]:
    """Check one client's fields; returns column values or raises ClientError."""
    try:
        phone = parse_mobile(data.phone)
    except InvalidPhone as exc:
        raise ClientError(str(exc)) from None
    name = (data.first_name or "").strip()
    if not name:
        raise ClientError("first name is empty")
    if len(name) > 80:
        raise ClientError("first name is longer than 80 characters")
    try:
        lang = language(data.language or "sv").code
    except ValueError as exc:
        raise ClientError(str(exc)) from None
    values: dict[str, Any] = dict(phone=phone, first_name=name, language=lang,
                                  swedish_level=swedish_level(data.swedish_level),
                                  bilingual=data.bilingual, case_manager_id=None)
    if data.case_manager:
        values["case_manager_id"] = case_manager_id(db, data.case_manager)
    return values


def case_manager_id(db: so.Session, email: str) -> int:
    staff = db.scalar(sa.select(Staff).where(sa.func.lower(Staff.email) == email.strip().lower()))
    if staff is None or staff.role is not Role.CASE_MANAGER:
        raise ClientError(f"no case manager with e-mail {email!r}")
    return staff.id


def add(db: so.Session, data: ClientInput, *, actor: str, actor_id: int | None = None) -> Client:
    """Register one client; a number already registered is refused."""
    values = validate(db, data)
    if db.scalar(sa.select(Client.id).where(Client.phone == values["phone"])) is not None:
        raise ClientError("a client with this phone number is already registered")
    client = Client(**values)
    db.add(client)
    db.flush()
    audit(db, actor, "client.add", f"client:{client.id}", actor_id=actor_id)
    return client


def import_csv(db: so.Session, text: str, *, actor: str) -> list[Client]:
    """Import every row or none: all rows are validated first, errors carry line numbers."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("phone", "first_name") if c not in (reader.fieldnames or [])]
    if missing:
        raise ClientError(f"line 1: missing column(s) {', '.join(missing)}; "
                          f"expected {', '.join(CSV_COLUMNS)}")
    rows, errors, phones = [], [], {}
    for row in reader:
        line = reader.line_num
        try:
            values = validate(db, ClientInput(
                phone=row.get("phone") or "", first_name=row.get("first_name") or "",
                language=row.get("language") or "sv",
                swedish_level=row.get("swedish_level") or "unknown",
                case_manager=row.get("case_manager") or None))
        except ClientError as exc:
            errors.append(f"line {line}: {exc}")
            continue
        if values["phone"] in phones:
            errors.append(f"line {line}: same phone number as line {phones[values['phone']]}")
            continue
        phones[values["phone"]] = line
        if db.scalar(sa.select(Client.id).where(Client.phone == values["phone"])) is not None:
            errors.append(f"line {line}: a client with this phone number is already registered")
            continue
        rows.append(values)
    if errors:
        raise ClientError("\n".join(errors))
    clients = [Client(**values) for values in rows]
    db.add_all(clients)
    db.flush()
    audit(db, actor, "client.import", None, detail={"count": len(clients)})
    return clients


# --- pausing and stopping (staff) ---------------------------------------------------------

def pause(db: so.Session, client: Client, by: str, *, actor_id: int | None = None,
          now: datetime | None = None) -> None:
    """Pause a client's nudges: those due while paused are skipped, not saved up, and a
    nudge held for quiet hours is not sent; the client's own messages are still answered."""
    now = now or utcnow()
    if client.paused:
        return
    client.paused = True
    held = db.execute(
        sa.update(Message).where(Message.client_id == client.id,
                                 Message.status == MessageStatus.QUEUED,
                                 Message.send_after > now)
        .values(status=MessageStatus.SUPPRESSED, updated_at=now)).rowcount
    audit(db, by, "client.pause", f"client:{client.id}", actor_id=actor_id, at=now,
          detail={"held_messages_dropped": held})


def resume(db: so.Session, client: Client, by: str, *, actor_id: int | None = None,
           now: datetime | None = None) -> None:
    """Undo `pause`, and a staff `stop_all`. A client who wrote STOPP can only start
    messages again themselves, with START."""
    if client.status is ClientStatus.STOPPED and client.stopped_by != "staff":
        raise ClientError("the client wrote STOPP: only they can start messages again, "
                          "by writing START")
    if not client.paused and client.status is ClientStatus.ACTIVE:
        return
    client.paused = False
    client.status, client.stopped_by = ClientStatus.ACTIVE, None
    audit(db, by, "client.resume", f"client:{client.id}", actor_id=actor_id, at=now)


def stop_all(db: so.Session, client: Client, by: str, *, actor_id: int | None = None,
             now: datetime | None = None) -> int:
    """Staff stop every message to a client: open nudges and schedules are cancelled and
    nothing is sent until staff resume. Returns how many nudges were stopped."""
    now = now or utcnow()
    for schedule in schedules.schedules_for(db, client):
        schedules.cancel_schedule(db, schedule, by, actor_id=actor_id, now=now)
    stopped = conversations.open_enrollments(db, client)
    for enrollment in stopped:
        conversations.stop(db, enrollment)
    if client.status is ClientStatus.ACTIVE:
        client.status, client.stopped_by = ClientStatus.STOPPED, "staff"
    audit(db, by, "client.stop_all", f"client:{client.id}", actor_id=actor_id, at=now,
          detail={"stopped": len(stopped)})
    return len(stopped)


def set_quiet_hours(db: so.Session, rt: Runtime, client: Client, spec: str | None, by: str, *,
                    actor_id: int | None = None) -> None:
    """Give a client their own quiet hours ("22:00-09:00"); None or "" for the default."""
    value = (spec or "").strip() or None
    if value is not None:
        try:
            QuietHours.parse(value, rt.tz.key)
        except ValueError as exc:
            raise ClientError(str(exc)) from None
        value = value.replace("\u2013", "-").replace(" ", "")
    client.quiet_hours = value
    audit(db, by, "client.quiet_hours", f"client:{client.id}", actor_id=actor_id,
          detail={"quiet_hours": value})


# --- the staff app's client form: register, edit, search ----------------------------------

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
