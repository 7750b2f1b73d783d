"""The alerts inbox: what a case manager should look at, and marking it handled."""

from __future__ import annotations

from flask import render_template

from bot.web.staff import bp


@bp.get("/alerts")
def alerts():
    return render_template("staff/alerts.html")
