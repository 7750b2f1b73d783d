"""Staff accounts and the rules every staff page follows.

- Passwords are argon2 hashes (argon2-cffi); a hash is upgraded when its parameters age.
- Sessions are Flask-Login's, keyed on the staff id *and* a fingerprint of the password
  hash, so changing a password logs out every other session.
- Roles are enforced per blueprint in `before_request` (`guard`), so a new route cannot
  forget its check; case managers see only their own and their team's clients.
- CSRF protection (Flask-WTF) on every form; the simulator posts JSON only and is exempt.
  The Twilio webhooks are signed and served by a lean app of their own (`machine`),
  outside all of this.
- A rate limit on log-in (Flask-Limiter; memory by default, Redis via
  KNUFF_RATELIMIT_STORAGE_URI in production where several web processes share it).
- Security headers on every page; a strict Content-Security-Policy on staff pages.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_app_context,
    redirect,
    request,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from bot import db
from bot.models import Client, Role, Staff

_DEFAULT_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[],
                  strategy="moving-window")
login_manager = LoginManager()
MIN_PASSWORD = 12

STAFF_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
             "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")


class PasswordError(ValueError):
    """A password that cannot be used; the message says why (shown to the user)."""


def _hasher() -> PasswordHasher:
    """The app's hasher. Only the test suite sets KNUFF_PASSWORD_HASHING=cheapest, to keep
    hundreds of log-ins fast; a hash made that way is upgraded at the next real log-in."""
    if has_app_context() and current_app.config.get("KNUFF_PASSWORD_HASHING") == "cheapest":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return _DEFAULT_HASHER


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher().hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordError(f"at least {MIN_PASSWORD} characters")
    if password.strip() != password or len(set(password)) < 5:
        raise PasswordError("too simple: use a few words or random characters")


def verify_password(staff: Staff, password: str) -> bool:
    """True when `password` is right; rehashes in place when argon2's parameters changed."""
    hasher = _hasher()
    if not staff.password_hash:
        hasher.hash(password)  # same work as a real check: no timing hint the account exists
        return False
    try:
        hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(staff.password_hash):
        staff.password_hash = hasher.hash(password)
    return True


def session_id(staff: Staff) -> str:
    """The id Flask-Login stores: changes when the password does."""
    fingerprint = hashlib.sha256((staff.password_hash or "").encode()).hexdigest()[:16]
    return f"{staff.id}:{fingerprint}"


def _load_user(user_id: str) -> Staff | None:
    staff_id, _, fingerprint = user_id.partition(":")
    if not staff_id.isdigit():
        return None
    staff = db.session().get(Staff, int(staff_id))
    if staff is None or not staff.active or session_id(staff) != user_id:
        return None
    return staff


def guard(bp: Blueprint, *roles: Role) -> None:
    """Every route of `bp` needs a logged-in staff member with one of `roles`."""

    @bp.before_request
    def _check_role():
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if current_user.role not in roles:
            abort(403)
        return None


def visible_clients(staff: Staff) -> sa.Select:
    """The clients `staff` may see: admins all; case managers their own and their
    team's; interpreters none (they work on texts only)."""
    query = sa.select(Client)
    if staff.role is Role.ADMIN:
        return query
    if staff.role is Role.CASE_MANAGER:
        mine = Client.case_manager_id == staff.id
        if staff.team:
            team = sa.select(Staff.id).where(Staff.team == staff.team)
            return query.where(sa.or_(mine, Client.case_manager_id.in_(team)))
        return query.where(mine)
    return query.where(sa.false())


def client_for(staff: Staff, client_id: int) -> Client:
    """The client, or 404 when it does not exist *or* is not this staff member's to see."""
    client = db.session().scalar(visible_clients(staff).where(Client.id == client_id))
    if client is None:
        abort(404)
    return client


def _security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.blueprint and request.blueprint.split(".")[0] in STAFF_BLUEPRINTS:
        headers.setdefault("Content-Security-Policy", STAFF_CSP)
        headers.setdefault("Cache-Control", "no-store")  # client data on shared computers
    if current_app.config["KNUFF_ENV"] == "production":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


STAFF_BLUEPRINTS = frozenset({"auth", "staff", "review", "admin"})


@limiter.request_filter
def _never_limited() -> bool:
    # The exempt blueprints (the simulator) have no limits: skip evaluating them.
    return request.blueprint in current_app.extensions.get("knuff.exempt_blueprints", ())


def init_app(app: Flask, exempt: Iterable[Blueprint]) -> None:
    app.config["RATELIMIT_STORAGE_URI"] = app.config["KNUFF_RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    csrf.init_app(app)
    exempt = list(exempt)
    for bp in exempt:
        csrf.exempt(bp)
    app.extensions["knuff.exempt_blueprints"] = frozenset(bp.name for bp in exempt)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_load_user)
    app.after_request(_security_headers)
