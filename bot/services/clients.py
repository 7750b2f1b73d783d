"""Registering clients from the command line and CSV (validate everything first, then
write) and pausing or stopping their messages; every change is audited. The staff app's
client form is `client_details`."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.i18n.languages import language
from bot.messaging.quiet_hours import QuietHours
from bot.models import (
    Client,
    ClientStatus,
    Message,
    MessageStatus,
    Role,
    Staff,
    SwedishLevel,
    utcnow,
)
from bot.phones import InvalidPhone, parse_mobile
from bot.services import conversations, schedules
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
