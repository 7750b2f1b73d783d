"""Client list, registration and editing, schedules, the conversation view."""

from __future__ import annotations

from flask import render_template

from bot.web.staff import bp


@bp.get("/")
def index():
    return render_template("staff/index.html")
