"""Liveness and readiness for load balancers and platform health checks."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, jsonify

from bot import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers; 503 (with the reason) when it does not."""
    try:
        db.session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        return jsonify(status="error", database=type(exc).__name__), 503
    return jsonify(status="ok", database="ok")
