"""The alerts inbox: what a case manager should look at, and marking it handled."""

from __future__ import annotations

import re

import sqlalchemy as sa
from babel import Locale
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from bot import db
from bot.flows.schema import AlertStep, AskStep
from bot.i18n.languages import LANGUAGES
from bot.models import Alert, Client, utcnow
from bot.services import alerts as inbox
from bot.services.runtime import runtime
from bot.web.security import visible_clients
from bot.web.staff import bp
from bot.web.ui_i18n import N_, ngettext, ui_language
from bot.web.ui_i18n import gettext as _

PAGE = 50
# Every reason the flows (`reason:` of alert steps), the engine and the services raise.
# An unknown one (a new flow) is shown as its code, readably.
REASONS = {
    "help": N_("Behöver hjälp"),
    "call_me": N_("Vill bli uppringd"),
    "absence": N_("Frånvaroanmälan"),
    "interpreter": N_("Vill ha tolk"),
    "unrecognised": N_("Svar som inte gick att tolka"),
    "message": N_("Meddelande från klienten"),
    "fallback": N_("Fick svenska: ingen godkänd översättning"),
    "delivery_failed": N_("Sms:et kom inte fram"),
    "delivery_unknown": N_("Oklart om sms:et kom fram"),
    "inbound_failed": N_("Sms från klienten kunde inte behandlas"),
    "opt_out": N_("Stoppade sms (STOPP)"),
    "gap": N_("Inget nästa steg efter aktiviteten"),
    "activity_obstacle": N_("Hinder inför aktivitet"),
    "question": N_("Har en fråga"),
    "meeting": N_("Vill boka ett möte"),
    "new_time": N_("Behöver ny mötestid"),
    "plan_stuck": N_("Har fastnat i ett steg i planen"),
    "plan_change": N_("Vill ändra ett mål i planen"),
    "work_problem": N_("Problem på jobbet"),
    "work_stopped": N_("Har slutat på jobbet"),
}
# What happened, worded per reason (and `cause` in the alert's data) for alerts that no
# flow step describes: the services and the engine store codes and data, never prose.
DETAILS = {
    ("unrecognised", None): N_("Svaret gick inte att tolka. Läs svaret och hör av dig."),
    ("message", None): N_("Klienten skrev utanför en konversation."),
    ("message", "start_staff_stopped"): N_(
        "Klienten skrev START, men personalen har stoppat sms till klienten. Återuppta "
        "dem i Knuff om klienten ska få sms igen."),
    ("interpreter", None): N_("Klienten vill ha tolk på nästa möte."),
    ("absence", None): N_("Klienten anmäler frånvaro. Kontakta klienten för att höra mer."),
    ("opt_out", None): N_("Klienten skrev STOPP. Knuff skickar inget förrän klienten "
                          "skriver START."),
    ("inbound_failed", None): N_("Knuff kunde inte behandla ett sms från klienten. Läs det "
                                 "i konversationen och svara klienten själv."),
    ("fallback", None): N_("Ingen godkänd översättning än: klienten får lättläst svenska."),
    ("delivery_failed", None): N_("Sms:et kunde inte levereras (fel %(error_code)s)."),
    ("delivery_unknown", "connection_broke"): N_(
        "Anslutningen till sms-leverantören bröts medan sms:et skickades. Det skickades "
        "inte igen, för att undvika dubbla sms. Titta i konversationen."),
    ("delivery_unknown", "worker_stopped"): N_(
        "En bakgrundsprocess stoppades medan sms:et skickades. Det skickades inte igen, "
        "för att undvika dubbla sms. Titta i konversationen."),
}
URGENT = frozenset({"help", "call_me", "opt_out", "delivery_failed", "inbound_failed", "gap",
                    "plan_stuck", "work_problem"})
ENGLISH_NAMES = {"fa_AF": "Dari", "ckb": "Sorani", "ku": "Kurmanji",
                 "bs": "Bosnian-Croatian-Serbian"}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def reason_label(reason: str) -> str:
    label = REASONS.get(reason)
    return _(label) if label else reason.replace("_", " ").capitalize()


def alert_text(alert: Alert, flow_id: str | None) -> tuple[str, str | None] | None:
    """What happened, for the staff member, and the language it is written in when that
    is not the UI's: the note an older row was stored with, else the note of the flow
    step that raised it (flow data, in Swedish), else the staff app's own words for the
    alert's reason and data."""
    if alert.note:
        return alert.note, None
    data = alert.data or {}
    flows = runtime().flows
    if flow_id in flows and data.get("step") and flows[flow_id].has_step(data["step"]):
        step = flows[flow_id].step(data["step"])
        if isinstance(step, AlertStep) and step.note:
            return step.note, None if ui_language() == "sv" else "sv"
    detail = DETAILS.get((alert.reason, data.get("cause")))
    if detail is None:
        return None
    if alert.reason == "delivery_failed":
        return _(detail, error_code=data.get("error_code") or _("okänt")), None
    return _(detail), None


def language_name(code: str | None) -> str:
    """A client language's name in the UI language (its code when unknown)."""
    if not code or code not in LANGUAGES:
        return code or ""
    if ui_language() == "sv":
        return LANGUAGES[code].swedish
    return ENGLISH_NAMES.get(code) or Locale.parse(code).get_display_name("en") or code


def answer_label(flow_id: str | None, answer: dict | None, names: dict | None = None
                 ) -> str | None:
    """The (Swedish) label of the choice an alert's answer picked, e.g. "Nej", with the
    client's and case manager's names filled in (other placeholders as "…")."""
    if not flow_id or not answer or flow_id not in runtime().flows:
        return None
    for step in runtime().flows[flow_id].steps:
        if isinstance(step, AskStep) and step.save_as == answer.get("name"):
            for choice in step.choices or ():
                if choice.value == answer.get("value"):
                    return _PLACEHOLDER.sub(
                        lambda m: str((names or {}).get(m[1]) or "…"), choice.label)
    return None


def client_url(client_id: int) -> str | None:
    """The client's page, once the client pages exist."""
    if "staff.client" not in current_app.view_functions:
        return None
    return url_for("staff.client", client_id=client_id)


def _clients(scope: str) -> sa.Select:
    query = visible_clients(current_user).with_only_columns(Client.id)
    return query.where(Client.case_manager_id == current_user.id) if scope == "mine" else query


def _filters(args) -> dict[str, str]:
    return {"state": "handled" if args.get("state") == "handled" else "open",
            "scope": "mine" if args.get("scope") == "mine" else "team",
            "reason": (args.get("reason") or "").strip()[:40]}


@bp.get("/alerts")
def alerts():
    f = _filters(request.args)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    s, clients, handled = db.session(), _clients(f["scope"]), f["state"] == "handled"
    rows = inbox.inbox(s, clients, handled=handled, reason=f["reason"] or None,
                       offset=(page - 1) * PAGE, limit=PAGE + 1)
    return render_template(
        "staff/alerts.html", rows=rows[:PAGE], more=len(rows) > PAGE, page=page, f=f,
        reasons=inbox.reasons(s, clients, handled=handled), reason_label=reason_label,
        urgent=URGENT, language_name=language_name, answer_label=answer_label,
        alert_text=alert_text,
        client_url=client_url, flows=runtime().flows)


def _back(form) -> str:
    f = _filters(form)
    return url_for("staff.alerts", **{k: v for k, v in f.items()
                                      if v and (k, v) not in (("state", "open"),
                                                              ("scope", "team"))})


@bp.post("/alerts/handled")
def alerts_handled():
    """Mark the selected alerts handled."""
    ids = request.form.getlist("alert", type=int)
    if not ids:
        flash(_("Välj minst en signal först."), "error")
        return redirect(_back(request.form))
    return _handle(ids)


@bp.post("/alerts/<int:alert_id>/handled")
def alert_handled(alert_id: int):
    return _handle([alert_id])


def _handle(ids: list[int]):
    s = db.session()
    changed = inbox.mark_handled(s, _clients("team"), ids, current_user, utcnow())
    if changed is None:
        abort(404)
    s.commit()
    flash(ngettext("%(num)d signal är markerad som hanterad.",
                   "%(num)d signaler är markerade som hanterade.", len(changed)), "success")
    return redirect(_back(request.form))


@bp.post("/alerts/<int:alert_id>/reopen")
def alert_reopen(alert_id: int):
    s = db.session()
    if inbox.reopen(s, _clients("team"), alert_id, current_user, utcnow()) is None:
        abort(404)
    s.commit()
    flash(_("Signalen är öppen igen."), "success")
    return redirect(_back(request.form))
