"""The phone simulator: play a client's phone in the browser (development only)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, render_template, request

from bot import db
from bot.i18n.languages import LANGUAGES
from bot.models import Client, Direction, Enrollment, EnrollmentStatus, Message, utcnow
from bot.services import conversations, inbound
from bot.services.runtime import runtime
from bot.timeutil import parse_time

bp = Blueprint("simulator", __name__, url_prefix="/simulator")


@bp.get("/")
def index():
    clients = db.session().scalars(sa.select(Client).order_by(Client.id)).all()
    return render_template("simulator/index.html", clients=clients, languages=LANGUAGES)


@bp.get("/<int:client_id>")
def phone(client_id: int):
    client = _client(client_id)
    rt = runtime()
    # Every flow but `system` (keyword confirmations the host sends one by one).
    flows = sorted((f for f in rt.flows.values() if f.id != "system"), key=lambda f: f.id)
    return render_template("simulator/phone.html", client=client, flows=flows,
                           language=LANGUAGES.get(client.language), quiet=rt.quiet,
                           quiet_now=rt.quiet.contains(utcnow()))


@bp.get("/<int:client_id>/messages")
def messages(client_id: int):
    """The conversation as JSON, polled by the page; includes what is still scheduled."""
    client = _client(client_id)
    session, tz = db.session(), runtime().tz
    rows = session.scalars(sa.select(Message).where(Message.client_id == client.id)
                           .order_by(Message.created_at, Message.id)).all()
    upcoming = session.scalars(sa.select(Enrollment).where(
        Enrollment.client_id == client.id, Enrollment.status == EnrollmentStatus.SCHEDULED)
        .order_by(Enrollment.start_at)).all()
    return jsonify(
        status=client.status.value,
        messages=[{
            "id": m.id, "direction": m.direction.value, "body": m.body or "",
            "status": m.status.value, "language": m.language,
            "at": m.created_at.astimezone(tz).strftime("%H:%M"),
            "held_until": m.send_after.astimezone(tz).strftime("%H:%M")
            if m.direction is Direction.OUT and m.status.value == "queued" and m.send_after
            and m.send_after > utcnow() else None,
        } for m in rows],
        scheduled=[{"flow": e.flow_id, "at": e.start_at.astimezone(tz).strftime("%d/%m %H:%M")}
                   for e in upcoming],
    )


@bp.post("/<int:client_id>/send")
def send(client_id: int):
    """The client texts Knuff: the same service the Twilio webhook calls."""
    client = _client(client_id)
    body = (_json().get("body") or "").strip()
    if not body:
        return jsonify(error="write a message first"), 400
    session = db.session()
    sms = inbound.Inbound(sid=f"SIM{uuid.uuid4().hex}", phone=client.phone, body=body)
    outcome = inbound.receive(session, runtime(), sms, utcnow())
    session.commit()
    return jsonify(outcome=outcome)


@bp.post("/<int:client_id>/enrol")
def enrol(client_id: int):
    """Schedule a flow for this client in N seconds, as a case manager would."""
    client = _client(client_id)
    data, rt = _json(), runtime()
    try:
        delay = max(0, int(data.get("delay", 0)))
        params = _params(rt, data)
        session = db.session()
        enrollment = conversations.enrol(session, rt, client, data.get("flow", ""),
                                         at=utcnow() + timedelta(seconds=delay),
                                         params=params, by="simulator")
    except (LookupError, ValueError) as exc:
        return jsonify(error=str(exc).strip("'\"")), 400
    session.commit()
    return jsonify(enrollment=enrollment.id)


@bp.post("/<int:client_id>/start")
def start(client_id: int):
    """Start any flow for this client right now, without waiting for the worker (quiet
    hours still hold its messages)."""
    client = _client(client_id)
    data, rt = _json(), runtime()
    flow_id = data.get("flow", "")
    if flow_id == "system":
        return jsonify(error="system texts are sent by the host, not started"), 400
    session = db.session()
    try:
        enrollment = conversations.start_now(session, rt, client, flow_id, utcnow(),
                                             by="simulator", params=_params(rt, data))
    except (LookupError, ValueError) as exc:
        session.rollback()
        return jsonify(error=str(exc).strip("'\"")), 400
    session.commit()
    return jsonify(enrollment=enrollment.id)


def _params(rt, data: dict) -> dict:
    """The form's flow params; datetimes typed in local time."""
    params = {k: v for k, v in (data.get("params") or {}).items() if v}
    for name, kind in rt.flow(data.get("flow", "")).params.items():
        if kind == "datetime" and name in params:
            params[name] = parse_time(params[name], rt.tz).isoformat()
    return params


def _client(client_id: int) -> Client:
    client = db.session().get(Client, client_id)
    if client is None:
        abort(404)
    return client


def _json() -> dict:
    # JSON only: a cross-site form cannot post it, which keeps this dev tool CSRF-safe.
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(415)
    return data
