"""Registering clients: validate everything first, then write, and audit who did it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from bot.i18n.languages import language
from bot.models import Client, Role, Staff, SwedishLevel
from bot.phones import InvalidPhone, parse_mobile
from bot.services.audit import audit

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
