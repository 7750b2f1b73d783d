"""The dashboard: charts of answers and response times, de-identified aggregates.

Figures come from `bot.services.reports` (GROUP BY queries over the visible clients);
charts are inline SVG from `bot.web.charts`, each with the same numbers in a table.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import render_template, request
from flask_login import current_user

from bot import db
from bot.models import Client, Gender, utcnow
from bot.services import breakdowns, reports
from bot.services.runtime import runtime
from bot.web import charts
from bot.web.security import client_for, visible_clients
from bot.web.staff import bp
from bot.web.staff.alerts import language_name
from bot.web.ui_i18n import N_, ui_language
from bot.web.ui_i18n import gettext as _

WEEKS = (4, 8, 12, 26)
MONTHS = 6
MAX_CLIENT_CHOICES = 300  # more than this: type the client's number instead of a list
CHECKIN_LABELS = {"yes": N_("Ja"), "partly": N_("Delvis"), "no": N_("Nej"),
                  "talk": N_("Vill prata"), "other": N_("Annat svar")}
PLAN_LABELS = {"done": N_("Klart"), "started": N_("Påbörjat"), "stuck": N_("Har fastnat"),
               "change_goal": N_("Vill ändra målet"), "talk": N_("Vill prata"),
               "other": N_("Annat svar")}
RESPONSE_LABELS = (N_("Under 1 timme"), N_("1–4 timmar"), N_("4–24 timmar"),
                   N_("1–3 dygn"), N_("Mer än 3 dygn"))
GENDER_LABELS = {Gender.WOMAN.value: N_("Kvinna"), Gender.MAN.value: N_("Man"),
                 Gender.OTHER.value: N_("Annat")}
DIMENSION_LABELS = {"language": N_("Språk"), "gender": N_("Kön"), "age": N_("Ålder")}


def week_label(day: date) -> str:
    return _("v. %(week)d", week=day.isocalendar().week)


def month_label(day: date) -> str:
    return format_date(day, "LLL yyyy", locale=ui_language())


def duration(seconds: float | None) -> str:
    """A response time as people say it: minutes, hours or days."""
    if seconds is None:
        return "–"
    if seconds < 3600:
        return _("%(n)d min", n=round(seconds / 60))
    if seconds < 48 * 3600:
        return _("%(n)s tim", n=_decimal(seconds / 3600))
    return _("%(n)s dygn", n=_decimal(seconds / 86400))


def _decimal(value: float) -> str:
    return format_decimal(round(value, 1), "#,##0.#", locale=ui_language())


def group_label(by: str, key: str | None) -> str:
    if key is None:
        return _("Ej angivet")
    if by == "language":
        return language_name(key)
    if by == "gender":
        return _(GENDER_LABELS.get(key, key))
    return key.replace("-", "–")


def _series(labels: dict[str, str], stacks: list[dict[str, int]]) -> list[charts.Series]:
    keys = [k for k in labels if k != "other"]
    if any("other" in s for s in stacks):
        keys.append("other")
    return [charts.Series(k, _(labels[k])) for k in keys]


def _checkin_chart(ident: str, title: str, labels: list[str], stacks) -> dict:
    series = _series(CHECKIN_LABELS, stacks)
    total = sum(sum(s.values()) for s in stacks)
    desc = _("%(total)d svar på frågan om deltagande under perioden.", total=total)
    return {"svg": charts.stacked(ident, title, desc, labels, stacks, series),
            "series": series, "stacks": stacks, "title": title}


def _share_chart(ident: str, title: str, labels: list[str], shares) -> dict:
    asked = sum(s.asked for s in shares)
    answered = sum(s.answered for s in shares)
    desc = _("%(answered)d av %(asked)d frågor besvarade under perioden.",
             answered=answered, asked=asked)
    svg = charts.columns(ident, title, desc, labels, [s.percent for s in shares])
    return {"svg": svg, "shares": shares, "title": title, "asked": asked, "answered": answered}


@bp.get("/dashboard")
def dashboard():
    args = request.args
    weeks = args.get("weeks", 8, type=int)
    weeks = weeks if weeks in WEEKS else 8
    scope = "mine" if args.get("scope") == "mine" else "team"
    by = args.get("by") if args.get("by") in breakdowns.DIMENSIONS else "language"
    s, rt, now = db.session(), runtime(), utcnow()
    visible = visible_clients(current_user).with_only_columns(Client.id)
    clients = visible.where(Client.case_manager_id == current_user.id) \
        if scope == "mine" else visible
    periods = reports.weeks(now, rt.tz, weeks)
    labels = [week_label(p.first_day) for p in periods]
    keys = reports.questions(rt.flows)
    size = s.scalar(sa.select(sa.func.count()).select_from(clients.subquery()))

    share = _share_chart("share", _("Andel besvarade frågor per vecka"), labels,
                         reports.answered_share(s, clients, periods, keys))
    checkin = _checkin_chart("checkins", _("Svar på frågan om deltagande, per vecka"),
                             labels, reports.checkins(s, clients, periods, rt.flows))
    times = reports.response_times(s, clients, periods)
    response_svg = charts.rows(
        "response", _("Tid från hjälpsignal till hanterad"),
        _("Median %(median)s. %(handled)d hanterade, %(open)d öppna.",
          median=duration(times.median), handled=times.handled, open=times.still_open),
        [_(label) for label in RESPONSE_LABELS], times.groups)
    month_periods = reports.months(now, rt.tz, MONTHS)
    panel = _client_panel(s, args.get("client", type=int), periods, labels, keys, rt.flows)
    choices = None
    if size <= MAX_CLIENT_CHOICES:
        choices = s.execute(sa.select(Client.id, Client.first_name)
                            .where(Client.id.in_(clients))
                            .order_by(Client.first_name, Client.id)).all()
    return render_template(
        "staff/dashboard.html", xlabels=labels, weeks=weeks, week_choices=WEEKS, scope=scope, by=by,
        size=size, share=share, checkin=checkin, times=times, response_svg=response_svg,
        response_labels=RESPONSE_LABELS, duration=duration, decimal=_decimal,
        groups=breakdowns.breakdown(s, clients, periods, by, rt.flows,
                                   now.astimezone(rt.tz).year),
        group_label=group_label, dimensions=DIMENSION_LABELS, minimum=breakdowns.MIN_GROUP,
        checkin_labels=CHECKIN_LABELS, checkin_answers=reports.CHECKIN_ANSWERS,
        contacts=reports.contacts(s, clients, month_periods), month_label=month_label,
        plan=reports.plan_steps(s, clients, periods, rt.flows), plan_labels=PLAN_LABELS,
        panel=panel, choices=choices)


def _client_panel(s, client_id: int | None, periods, labels, keys, flows) -> dict | None:
    """One client's check-ins and answered share (404 when not theirs to see)."""
    if client_id is None:
        return None
    client = client_for(current_user, client_id)
    only = sa.select(Client.id).where(Client.id == client.id)
    return {"client": client,
            "share": _share_chart("client-share", _("Andel besvarade frågor per vecka"),
                                  labels, reports.answered_share(s, only, periods, keys)),
            "checkin": _checkin_chart("client-checkins",
                                      _("Svar på frågan om deltagande, per vecka"), labels,
                                      reports.checkins(s, only, periods, flows))}
