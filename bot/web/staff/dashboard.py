"""The dashboard: charts of answers and response times, de-identified aggregates."""

from __future__ import annotations

from flask import render_template

from bot.web.staff import bp


@bp.get("/dashboard")
def dashboard():
    return render_template("staff/dashboard.html")
