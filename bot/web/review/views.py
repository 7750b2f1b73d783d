"""Languages, flows with coverage, the side-by-side editor, PO download and upload."""

from __future__ import annotations

from flask import render_template

from bot.web.review import bp


@bp.get("/")
def index():
    return render_template("review/index.html")
