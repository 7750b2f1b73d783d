"""`/admin`: staff accounts and the audit trail. Admins only."""

from __future__ import annotations

import secrets
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from bot import db
from bot.models import AuditEvent, Role, Staff
from bot.services.audit import audit
from bot.services.runtime import runtime
from bot.web.forms import KnuffForm
from bot.web.security import guard, hash_password
from bot.web.ui_i18n import N_
from bot.web.ui_i18n import gettext as _

bp = Blueprint("admin", __name__, url_prefix="/admin")
guard(bp, Role.ADMIN)

PAGE = 50
ROLE_NAMES = {Role.ADMIN: N_("Administratör"), Role.CASE_MANAGER: N_("Handläggare"),
              Role.INTERPRETER: N_("Tolk / språkgranskare")}


class StaffForm(KnuffForm):
    email = EmailField("E-post", validators=[DataRequired(), Email(), Length(max=254)])
    first_name = StringField("Förnamn", validators=[DataRequired(), Length(max=80)])
    role = SelectField("Roll", choices=[SelectChoice(r.value, n) for r, n in ROLE_NAMES.items()])
    team = StringField("Team", validators=[Optional(), Length(max=80)])


@bp.get("/")
def index():
    """The audit log, newest first, filtered by who, what, target and dates."""
    args = request.args
    query = sa.select(AuditEvent)
    if who := args.get("actor", "").strip():
        query = query.where(AuditEvent.actor.ilike(f"%{who}%"))
    if action := args.get("action", "").strip():
        query = query.where(AuditEvent.action.like(f"{action}%"))
    if target := args.get("target", "").strip():
        query = query.where(AuditEvent.target == target)
    tz = runtime().tz
    for name, op, shift in (("from", "__ge__", 0), ("to", "__lt__", 1)):
        if value := args.get(name, "").strip():
            try:
                day = datetime.strptime(value, "%Y-%m-%d").date() + timedelta(days=shift)
            except ValueError:
                flash(_("Datumet %(value)s går inte att läsa. Skriv ÅÅÅÅ-MM-DD.", value=value),
                      "error")
                continue
            query = query.where(getattr(AuditEvent.created_at, op)(
                datetime.combine(day, time(), tz)))
    page = max(1, args.get("page", 1, type=int) or 1)
    rows = db.session().scalars(query.order_by(AuditEvent.id.desc())
                                .offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    actions = db.session().scalars(sa.select(AuditEvent.action).distinct()
                                   .order_by(AuditEvent.action)).all()
    return render_template("admin/audit.html", events=rows[:PAGE], more=len(rows) > PAGE,
                           page=page, actions=actions, args=args)


@bp.route("/staff", methods=["GET", "POST"])
def staff():
    form = StaffForm()
    s = db.session()
    temporary = None
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        if s.scalar(sa.select(Staff.id).where(Staff.email == email)) is not None:
            form.email.errors.append(_("Det finns redan ett konto med den e-posten."))
        else:
            temporary = _temporary_password()
            person = Staff(email=email, first_name=form.first_name.data.strip(),
                           role=Role(form.role.data), team=(form.team.data or "").strip() or None,
                           password_hash=hash_password(temporary))
            s.add(person)
            s.flush()
            audit(s, current_user.email, "staff.create", f"staff:{person.id}",
                  actor_id=current_user.id, detail={"role": person.role.value})
            s.commit()
            flash(_("Kontot är skapat. Ge %(name)s det tillfälliga lösenordet på ett säkert "
                    "sätt; det visas bara nu.", name=person.first_name), "info")
            form = StaffForm(formdata=None)
    people = s.scalars(sa.select(Staff).order_by(Staff.role, Staff.first_name)).all()
    return render_template("admin/staff.html", form=form, people=people, roles=ROLE_NAMES,
                           temporary=temporary), 400 if form.errors else 200


@bp.post("/staff/<int:staff_id>/<any(deactivate, activate, reset):what>")
def staff_action(staff_id: int, what: str):
    s = db.session()
    person = s.get(Staff, staff_id)
    if person is None:
        abort(404)
    if person.id == current_user.id and what == "deactivate":
        flash(_("Du kan inte stänga av ditt eget konto."), "error")
        return redirect(url_for("admin.staff"))
    temporary = None
    if what == "reset":
        temporary = _temporary_password()
        person.password_hash = hash_password(temporary)  # also ends their sessions
    else:
        person.active = what == "activate"
    audit(s, current_user.email, f"staff.{what}", f"staff:{person.id}", actor_id=current_user.id)
    s.commit()
    if temporary:
        flash(_("Nytt tillfälligt lösenord för %(name)s: %(password)s — visas bara nu.",
                name=person.first_name, password=temporary), "info")
    else:
        flash(_("Kontot är ändrat."), "info")
    return redirect(url_for("admin.staff"))


def _temporary_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))
