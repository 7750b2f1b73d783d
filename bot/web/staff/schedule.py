"""Enrolling a client in a flow with a schedule, previewing it, and changing or cancelling
nudges that have not started. Planning is `bot.scheduling` / `bot.services.schedules`;
this module reads the form, shows the preview and calls the services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import DateField, TimeField
from wtforms.validators import Optional

from bot import db
from bot.flows.schema import Flow
from bot.i18n.reply_words import KEYWORDS
from bot.models import Client, Enrollment, EnrollmentStatus, Schedule, utcnow
from bot.services import approvals, client_details, inbound, previews, schedules
from bot.services.runtime import Runtime, runtime
from bot.web.forms import KnuffForm
from bot.web.security import client_for
from bot.web.staff import bp
from bot.web.staff import schedule_forms as sf
from bot.web.staff import schedule_words as words
from bot.web.ui_i18n import gettext as _
from bot.web.ui_i18n import ngettext

# Texts for replies and unknown numbers: never scheduled by staff.
NOT_SCHEDULED = frozenset({"system", "unknown_number"})


@bp.context_processor
def _words() -> dict:
    return {"describe": words.describe}


def schedulable(rt: Runtime) -> list[Flow]:
    """The flows a case manager may schedule: their own, and the system's that run from a
    date the case manager gives (an activity's end). Not the ones clients start with a
    keyword, nor those the system starts by itself (a new case manager, a closed case)."""
    by_keyword = {inbound.keyword_flow(rt, k) for table in KEYWORDS.values() for k in table}

    def allowed(flow: Flow) -> bool:
        if flow.trigger is None:  # an older flow file: judged by what it is not
            return flow.id not in NOT_SCHEDULED and flow.id not in by_keyword
        return flow.trigger.by == "case_manager" or (
            flow.trigger.by == "system" and flow.trigger.event is not None)

    return sorted(filter(allowed, rt.flows.values()), key=lambda f: f.title)


def _flow(rt: Runtime, flow_id: str) -> Flow:
    flow = next((f for f in schedulable(rt) if f.id == flow_id), None)
    if flow is None:
        abort(404)
    return flow


def _refused(person: Client):
    """The page that says why this client cannot be enrolled now, or None."""
    reason = client_details.enrol_refusal(person)
    if reason is None:
        return None
    return render_template("staff/schedule_refused.html", client=person, reason=reason), 409


@bp.get("/clients/<int:client_id>/enrol")
def enrol(client_id: int):
    """Pick a flow; each shows its default timing and how far it is translated."""
    person = client_for(current_user, client_id)
    if (refused := _refused(person)) is not None:
        return refused
    rt = runtime()
    flows = schedulable(rt)
    coverage = {}
    if person.language != "sv":
        coverage = {row.flow: row for row in approvals.status(
            db.session(), {f.id: f for f in flows}, [person.language])}
    return render_template("staff/schedule_flows.html", client=person, flows=flows,
                           coverage=coverage, timing=lambda f: _default(rt, f))


def _default(rt: Runtime, flow: Flow) -> tuple[str, dict]:
    found = schedules.default_timing(rt, flow.id)
    if found is not None:
        return found[0].value, found[1]
    if sf.event_param(flow):
        return "event", {"offsets": ["-1d@09:00"]}
    return sf.FALLBACK_TIMING


@bp.route("/clients/<int:client_id>/enrol/<flow_id>", methods=["GET", "POST"])
def enrol_flow(client_id: int, flow_id: str):
    person = client_for(current_user, client_id)
    if (refused := _refused(person)) is not None:
        return refused
    rt = runtime()
    flow = _flow(rt, flow_id)
    kind, spec = _default(rt, flow)
    return _schedule_page(person, flow, kind, spec, {}, None)


@bp.route("/clients/<int:client_id>/schedules/<int:schedule_id>/edit",
          methods=["GET", "POST"])
def schedule_edit(client_id: int, schedule_id: int):
    """Change a whole schedule: the nudges still to come are replaced by the new plan."""
    person = client_for(current_user, client_id)
    schedule = _schedule(person, schedule_id)
    if (refused := _refused(person)) is not None:
        return refused
    rt = runtime()
    if schedule.flow_id not in rt.flows:
        abort(404)
    if schedule.cancelled_at is not None:
        flash(_("Schemat är avbokat och kan inte ändras. Schemalägg ett nytt i stället."),
              "error")
        return redirect(url_for("staff.client", client_id=person.id))
    return _schedule_page(person, rt.flow(schedule.flow_id), schedule.kind.value,
                          schedule.spec, schedule.params, schedule)


def _schedule_page(person: Client, flow: Flow, kind: str, spec: dict, params: dict,
                   schedule: Schedule | None):
    """The form (GET or "change"), the preview ("preview"), or save ("confirm")."""
    rt, s = runtime(), db.session()
    form = sf.form_class(flow)()
    form.translate_choices()
    if request.method == "GET":
        sf.fill(form, flow, kind, spec, params, rt.tz)
        if schedule is not None:
            form.holidays_too.data = not schedule.skip_holidays
    action = request.form.get("action")
    if request.method == "POST" and action in ("preview", "confirm"):
        valid = form.validate_on_submit()
        read = sf.read(form, flow, rt.tz)  # every problem at once, even when some field failed
        if valid and read is not None:
            kind, spec, params = read
            try:
                seen = schedules.preview(s, rt, person, flow.id, kind, spec, params,
                                         skip_holidays=not form.holidays_too.data)
            except schedules.ScheduleError as exc:
                form.form_errors.append(_("Schemat går inte att planera: %(reason)s",
                                          reason=str(exc)))
            else:
                if action == "confirm" and seen.times:
                    return _save(person, flow, seen, schedule)
                return _preview_page(person, flow, seen, schedule)
    return render_template("staff/schedule_form.html", client=person, flow=flow, form=form,
                           params=sf.param_fields(form, flow), schedule=schedule,
                           event=sf.event_param(flow)), 400 if _errors(form) else 200


def _errors(form) -> bool:
    return sf.has_errors(form) or bool(form.form_errors)


def _preview_page(person: Client, flow: Flow, seen: schedules.Preview,
                  schedule: Schedule | None):
    rt, s = runtime(), db.session()
    now = utcnow()
    first = previews.first_turn(s, rt, person, flow.id, seen.params,
                                seen.times[0] if seen.times else now)
    notes = [words.occurrence_note(o, now, rt.tz) for o in seen.occurrences]
    return render_template(
        "staff/schedule_preview.html", client=person, flow=flow, seen=seen, first=first,
        occurrences=list(zip(seen.occurrences, notes, strict=True)), schedule=schedule,
        fields=[(k, v) for k, v in request.form.items(multi=True)
                if k not in ("csrf_token", "action")],
        summary=words.describe(kind=seen.kind.value, spec=seen.spec, tz=rt.tz))


def _save(person: Client, flow: Flow, seen: schedules.Preview, schedule: Schedule | None):
    rt, s = runtime(), db.session()
    by = dict(actor_id=current_user.id)
    try:
        if schedule is None:
            schedules.create_schedule(s, rt, person, flow.id, seen.kind.value, seen.spec,
                                      seen.params, current_user.email, seen.skip_holidays,
                                      **by)
        else:
            schedules.update_schedule(s, rt, schedule, current_user.email,
                                      kind=seen.kind.value, spec=seen.spec, params=seen.params,
                                      skip_holidays=seen.skip_holidays, **by)
    except schedules.ScheduleError as exc:
        s.rollback()
        flash(_("Schemat går inte att spara: %(reason)s", reason=str(exc)), "error")
        return redirect(url_for("staff.client", client_id=person.id))
    s.commit()
    flash(ngettext("%(num)d påminnelse är schemalagd: %(flow)s.",
                   "%(num)d påminnelser är schemalagda: %(flow)s.", len(seen.times),
                   flow=flow.title), "info")
    return redirect(url_for("staff.client", client_id=person.id))


def _schedule(person: Client, schedule_id: int) -> Schedule:
    schedule = db.session().get(Schedule, schedule_id)
    if schedule is None or schedule.client_id != person.id:
        abort(404)
    return schedule


def _nudge(person: Client, nudge_id: int) -> Enrollment:
    nudge = db.session().get(Enrollment, nudge_id)
    if nudge is None or nudge.client_id != person.id:
        abort(404)
    return nudge


@bp.route("/clients/<int:client_id>/schedules/<int:schedule_id>/cancel",
          methods=["GET", "POST"])
def schedule_cancel(client_id: int, schedule_id: int):
    person = client_for(current_user, client_id)
    schedule = _schedule(person, schedule_id)
    s = db.session()
    left = schedules.nudges(s, schedule=schedule)
    if request.method == "POST":
        if not KnuffForm().validate_on_submit():
            abort(400)
        count = schedules.cancel_schedule(s, schedule, current_user.email,
                                          actor_id=current_user.id)
        s.commit()
        flash(ngettext("%(num)d påminnelse är avbokad.", "%(num)d påminnelser är avbokade.",
                       count), "info")
        return redirect(url_for("staff.client", client_id=person.id))
    return render_template("staff/schedule_cancel.html", client=person, schedule=schedule,
                           nudge=None, left=left, started=False, flows=runtime().flows)


class NudgeForm(KnuffForm):
    day = DateField(validators=[Optional()])
    clock = TimeField(validators=[Optional()])


@bp.route("/clients/<int:client_id>/nudges/<int:nudge_id>/edit", methods=["GET", "POST"])
def nudge_edit(client_id: int, nudge_id: int):
    """Move one nudge that has not started to another time (kept even on a holiday:
    the case manager chose it)."""
    person = client_for(current_user, client_id)
    nudge = _nudge(person, nudge_id)
    rt, s = runtime(), db.session()
    form = NudgeForm()
    started = nudge.status is not EnrollmentStatus.SCHEDULED
    if request.method == "GET":
        at = nudge.start_at.astimezone(rt.tz)
        form.day.data, form.clock.data = at.date(), at.time().replace(second=0, microsecond=0)
    elif not started and form.validate_on_submit():
        at = sf.local(form.day.data, form.clock.data, rt.tz, form.day)
        if at is not None and at <= utcnow():
            form.day.errors.append(_("Den tiden har redan passerat. Välj en senare tid."))
        elif at is not None:
            try:
                schedules.reschedule_enrollment(s, rt, nudge, at, current_user.email,
                                                actor_id=current_user.id)
            except schedules.ScheduleError:
                s.rollback()
                started = True
            else:
                s.commit()
                flash(_("Påminnelsen är flyttad."), "info")
                return redirect(url_for("staff.client", client_id=person.id))
    code = 409 if started and request.method == "POST" else 400 if form.errors else 200
    return render_template("staff/schedule_nudge.html", client=person, nudge=nudge,
                           form=form, started=started, flows=rt.flows), code


@bp.route("/clients/<int:client_id>/nudges/<int:nudge_id>/cancel", methods=["GET", "POST"])
def nudge_cancel(client_id: int, nudge_id: int):
    person = client_for(current_user, client_id)
    nudge = _nudge(person, nudge_id)
    s = db.session()
    started = nudge.status is not EnrollmentStatus.SCHEDULED
    if request.method == "POST" and not started:
        if not KnuffForm().validate_on_submit():
            abort(400)
        try:
            schedules.cancel_enrollment(s, nudge, current_user.email, actor_id=current_user.id)
        except schedules.ScheduleError:
            s.rollback()
            started = True
        else:
            s.commit()
            flash(_("Påminnelsen är avbokad."), "info")
            return redirect(url_for("staff.client", client_id=person.id))
    return render_template("staff/schedule_cancel.html", client=person, schedule=None,
                           nudge=nudge, started=started, flows=runtime().flows), \
        409 if started and request.method == "POST" else 200
