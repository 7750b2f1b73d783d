"""`/review`: interpreters review and approve translations. No client data, ever."""

from __future__ import annotations

from flask import Blueprint

from bot.models import Role
from bot.web.security import guard

bp = Blueprint("review", __name__, url_prefix="/review")
guard(bp, Role.INTERPRETER, Role.ADMIN)

from bot.web.review import po, views  # noqa: E402,F401  (routes)
