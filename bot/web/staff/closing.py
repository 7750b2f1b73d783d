"""Closing a case to work or studies: every nudge stops and `exit_feedback` asks, once,
what helped (DOMAIN: the digital version of Timrå's follow-up call)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bot import db
from bot.services import events, schedules
from bot.services.runtime import runtime
from bot.web.forms import KnuffForm
from bot.web.security import client_for
from bot.web.staff import bp
from bot.web.ui_i18n import N_
from bot.web.ui_i18n import gettext as _

REASONS = {"work": N_("Arbete"), "studies": N_("Studier")}


@bp.route("/clients/<int:client_id>/close", methods=["GET", "POST"])
def client_close(client_id: int):
    s = db.session()
    person = client_for(current_user, client_id)
    nudges = len(schedules.nudges(s, client=person))
    if request.method == "GET":
        return render_template("staff/client_close.html", client=person, reasons=REASONS,
                               nudges=nudges, feedback="exit_feedback" in runtime().flows)
    if not KnuffForm().validate_on_submit():
        abort(400)
    reason = request.form.get("reason")
    if reason not in REASONS:
        flash(_("Välj varför ärendet avslutas: arbete eller studier."), "error")
        return render_template("staff/client_close.html", client=person, reasons=REASONS,
                               nudges=nudges, feedback="exit_feedback" in runtime().flows), 400
    outcome = events.case_closed(s, runtime(), person, reason, current_user.email,
                                 actor_id=current_user.id)
    s.commit()
    if outcome.schedule is None:
        flash(_("Ärendet är avslutat och alla påminnelser är avbokade. Ingen fråga om "
                "återkoppling kunde schemaläggas: %(why)s", why=outcome.problem), "warning")
    else:
        flash(_("Ärendet är avslutat och alla påminnelser är avbokade. %(name)s får en fråga "
                "om vad som hjälpte.", name=person.first_name), "info")
    return redirect(url_for("staff.client", client_id=person.id))
