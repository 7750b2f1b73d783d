"""Client list, registration and editing, pausing and stopping, the client page.

Clients are reached only through `visible_clients` / `client_for`, so another team's
client is a 404. Phone numbers are masked in lists and shown whole on the client page.
"""

from __future__ import annotations

import phonenumbers
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from bot import db
from bot.i18n.languages import LANGUAGES
from bot.models import Alert, Gender, Staff, SwedishLevel
from bot.services import client_details, clients, schedules
from bot.services.runtime import runtime
from bot.web.forms import KnuffForm, lazy_gettext
from bot.web.security import client_for, visible_clients
from bot.web.staff import bp
from bot.web.staff.alerts import reason_label
from bot.web.staff.labels import (
    GENDERS,
    LEVELS,
    PROBLEMS,
    client_status,
)
from bot.web.ui_i18n import N_
from bot.web.ui_i18n import gettext as _

PER_PAGE = 50


@bp.context_processor
def _client_words() -> dict:
    return {"LANGUAGES": LANGUAGES, "client_status": client_status,
            "reason_label": reason_label}


@bp.app_template_filter("phone_masked")
def phone_masked(e164: str | None) -> str:
    """070-••• •• 67: enough to recognise a number, not enough to use it."""
    text = phone_national(e164)
    digits = sum(ch.isdigit() for ch in text)
    seen, out = 0, []
    for ch in text:
        if ch.isdigit():
            seen += 1
            ch = ch if seen <= 3 or seen > digits - 2 else "•"
        out.append(ch)
    return "".join(out)


@bp.app_template_filter("phone_national")
def phone_national(e164: str | None) -> str:
    """A stored number as people write it: 070-123 45 67 (abroad: +44 7700 900123)."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 46
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, style)


class ClientForm(KnuffForm):
    phone = TelField(lazy_gettext("Mobilnummer"), validators=[Length(max=40)])
    first_name = StringField(lazy_gettext("Förnamn"), validators=[Length(max=80)])
    language = SelectField(lazy_gettext("Språk"), validate_choice=False, choices=[
        SelectChoice(code, f"{lang.native} – {lang.swedish}") for code, lang in LANGUAGES.items()])
    swedish_level = SelectField(lazy_gettext("Svenska"), validate_choice=False, default="unknown",
                                choices=[SelectChoice(level.value, label)
                                         for level, label in LEVELS.items()])
    bilingual = BooleanField(lazy_gettext("Tvåspråkigt"))
    fallback_english = BooleanField(lazy_gettext("Engelska som reserv"))
    needs_interpreter = BooleanField(lazy_gettext("Behöver tolk"))
    quiet_hours = StringField(lazy_gettext("Egna tysta timmar"), validators=[Length(max=20)])
    gender = SelectField(lazy_gettext("Kön"), validate_choice=False, choices=[
        SelectChoice("", ""), *(SelectChoice(g.value, label) for g, label in GENDERS.items())])
    birth_year = IntegerField(lazy_gettext("Födelseår"),
                              validators=[Optional(), NumberRange(1000, 9999)])
    case_manager_id = SelectField(lazy_gettext("Handläggare"), coerce=int,
                                  validate_choice=False)

    def fill_choices(self, managers: list[Staff]) -> None:
        """Labels that need translating now, and whom this staff member may assign."""
        for choice in self.swedish_level.choices:
            choice.label = _(LEVELS[SwedishLevel(choice.value)])
        for choice in self.gender.choices:
            choice.label = _(GENDERS[Gender(choice.value)]) if choice.value else _("Ej angivet")
        self.case_manager_id.choices = [
            SelectChoice(s.id, f"{s.first_name} ({s.team})" if s.team else s.first_name)
            for s in managers]

    def details(self) -> client_details.ClientDetails:
        return client_details.ClientDetails(
            phone=self.phone.data or "", first_name=self.first_name.data or "",
            language=self.language.data or "sv", swedish_level=self.swedish_level.data or "",
            bilingual=self.bilingual.data, fallback_english=self.fallback_english.data,
            needs_interpreter=self.needs_interpreter.data,
            quiet_hours=self.quiet_hours.data or "", gender=self.gender.data or "",
            birth_year=self.birth_year.data, case_manager_id=self.case_manager_id.data)

    def show(self, error: client_details.DetailsError) -> None:
        """Put each problem under its field, in the staff member's language."""
        for problem in error.problems:
            text = PROBLEMS.get((problem.field, problem.code))
            getattr(self, problem.field).errors.append(
                _(text, **problem.values) if text else problem.message)


@bp.get("/")
def index():
    """The client list: search by first name or the last digits of the phone number."""
    args = request.args
    page = max(1, args.get("page", 1, type=int) or 1)
    rows, more = client_details.search(
        db.session(), visible_clients(current_user), text=args.get("q", ""),
        language_code=args.get("language", ""), status=args.get("status", ""), page=page,
        per_page=PER_PAGE)
    return render_template("staff/index.html", rows=rows, more=more, page=page, args=args,
                           levels=LEVELS)


@bp.route("/clients/new", methods=["GET", "POST"])
def client_new():
    s = db.session()
    form = ClientForm()
    form.fill_choices(client_details.assignable_case_managers(s, current_user))
    if request.method == "GET":
        form.case_manager_id.data = current_user.id
    if form.validate_on_submit():
        try:
            client = client_details.register(s, form.details(), current_user)
        except client_details.DetailsError as exc:
            s.rollback()
            form.show(exc)
        else:
            s.commit()
            flash(_("%(name)s är registrerad.", name=client.first_name), "info")
            return redirect(url_for("staff.client", client_id=client.id))
    return render_template("staff/client_form.html", form=form, client=None,
                           default_quiet=_default_quiet()), 400 if form.errors else 200


@bp.route("/clients/<int:client_id>/edit", methods=["GET", "POST"])
def client_edit(client_id: int):
    s = db.session()
    client = client_for(current_user, client_id)
    form = ClientForm(obj=client if request.method == "GET" else None)
    if request.method == "GET":
        form.language.data = client.language
        form.swedish_level.data = client.swedish_level.value
        form.gender.data = client.gender.value if client.gender else ""
        form.phone.data = phone_national(client.phone)
        form.quiet_hours.data = client.quiet_hours or ""
    managers = client_details.assignable_case_managers(s, current_user)
    if client.case_manager is not None and client.case_manager not in managers:
        managers.insert(0, client.case_manager)  # keeping them is allowed
    form.fill_choices(managers)
    if form.validate_on_submit():
        try:
            edited = client_details.edit(s, runtime(), client, form.details(), current_user)
        except client_details.DetailsError as exc:
            s.rollback()
            form.show(exc)
        else:
            s.commit()
            _say_edited(client, edited)
            return redirect(url_for("staff.client", client_id=client.id))
    return render_template("staff/client_form.html", form=form, client=client,
                           default_quiet=_default_quiet()), 400 if form.errors else 200


def _say_edited(client, edited: client_details.Edited) -> None:
    if not edited.changed:
        flash(_("Inget ändrades."), "info")
        return
    flash(_("Uppgifterna för %(name)s är sparade.", name=client.first_name), "info")
    if edited.reassigned is not None and edited.reassigned.schedule is not None:
        flash(_("%(name)s får ett SMS som presenterar den nya handläggaren.",
                name=client.first_name), "info")
    elif edited.reassigned is not None:
        flash(_("Ny handläggare är sparad, men inget presentations-SMS kunde schemaläggas."),
              "warning")


@bp.get("/clients/<int:client_id>")
def client(client_id: int):
    """Everything about one client: details, what is planned, what needs attention."""
    s = db.session()
    person = client_for(current_user, client_id)
    return render_template(
        "staff/client_show.html", client=person, levels=LEVELS, genders=GENDERS,
        nudges=schedules.nudges(s, client=person),
        schedule_list=schedules.schedules_for(s, person),
        alerts=open_alerts(s, person), flows=runtime().flows,
        default_quiet=_default_quiet(), refusal=client_details.enrol_refusal(person))


def open_alerts(s, person) -> list[Alert]:
    """The client's alerts not yet handled, newest first."""
    return list(s.scalars(sa.select(Alert).where(Alert.client_id == person.id,
                                                 Alert.handled_at.is_(None))
                          .order_by(Alert.created_at.desc(), Alert.id.desc())))


DONE = {"pause": N_("Meddelandena till %(name)s är pausade."),
        "resume": N_("Meddelandena till %(name)s är återupptagna."),
        "stop": N_("Alla meddelanden till %(name)s är stoppade.")}


@bp.route("/clients/<int:client_id>/<any(pause, resume, stop):what>",
          methods=["GET", "POST"])
def client_action(client_id: int, what: str):
    """Pause, resume or stop all messages: a page that says what will happen, then a
    button that does it."""
    s = db.session()
    person = client_for(current_user, client_id)
    if request.method == "GET":
        return render_template("staff/client_confirm.html", client=person, what=what,
                               nudges=len(schedules.nudges(s, client=person)))
    token_form = KnuffForm()
    if not token_form.validate_on_submit():
        abort(400)
    by = dict(by=current_user.email, actor_id=current_user.id)
    try:
        if what == "pause":
            clients.pause(s, person, **by)
        elif what == "resume":
            clients.resume(s, person, **by)
        else:
            clients.stop_all(s, person, **by)
    except clients.ClientError:
        s.rollback()
        flash(_("%(name)s har själv skrivit STOPP. Bara klienten kan starta meddelandena "
                "igen, genom att skriva START.", name=person.first_name), "error")
        return redirect(url_for("staff.client", client_id=person.id))
    s.commit()
    flash(_(DONE[what], name=person.first_name), "info")
    return redirect(url_for("staff.client", client_id=person.id))


def _default_quiet() -> str:
    quiet = runtime().quiet
    if not quiet.enabled:
        return _("inga")
    return f"{quiet.start:%H:%M}-{quiet.end:%H:%M}"

