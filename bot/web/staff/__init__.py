"""`/staff`: the case managers' app (admins may use it too).

Every route is guarded in `before_request` (see `bot.web.security.guard`); pages reach
clients only through `client_for` / `visible_clients`, so a case manager sees their own
and their team's clients and nobody else's.
"""

from __future__ import annotations

from flask import Blueprint

from bot.models import Role
from bot.web.security import guard

bp = Blueprint("staff", __name__, url_prefix="/staff")
guard(bp, Role.CASE_MANAGER, Role.ADMIN)

from bot.web.staff import (  # noqa: E402,F401  (routes)
    alerts,
    clients,
    closing,
    conversation,
    dashboard,
    schedule,
)
