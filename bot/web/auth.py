"""Log in, log out, change password, choose the app's language."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from bot import db
from bot.models import Role, Staff
from bot.services.audit import audit
from bot.web.forms import KnuffForm, lazy_gettext
from bot.web.security import PasswordError, hash_password, limiter, verify_password
from bot.web.ui_i18n import UI_LANGUAGES
from bot.web.ui_i18n import gettext as _

bp = Blueprint("auth", __name__)

HOME = {Role.ADMIN: "admin.index", Role.CASE_MANAGER: "staff.index",
        Role.INTERPRETER: "review.index"}


class LoginForm(KnuffForm):
    email = EmailField("E-post", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Lösenord", validators=[DataRequired(), Length(max=256)])


class PasswordForm(KnuffForm):
    current = PasswordField("Nuvarande lösenord", validators=[DataRequired()])
    new = PasswordField("Nytt lösenord", validators=[DataRequired(), Length(max=256)])
    repeat = PasswordField("Nytt lösenord igen", validators=[
        DataRequired(), EqualTo("new", lazy_gettext("Lösenorden är inte lika."))])


class LanguageForm(KnuffForm):
    language = SelectField("Språk", choices=[SelectChoice(c, n) for c, n in UI_LANGUAGES.items()])


def home_for(staff: Staff) -> str:
    return url_for(HOME[staff.role])


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _email_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 100 per day", methods=["POST"])
@limiter.limit("5 per minute; 30 per hour", methods=["POST"], key_func=_email_key)
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        s = db.session()
        email = form.email.data.strip().lower()
        staff = s.scalar(sa.select(Staff).where(Staff.email == email))
        if staff is not None and staff.active and verify_password(staff, form.password.data):
            session.clear()
            login_user(staff)
            session.permanent = True
            audit(s, staff.email, "auth.login", f"staff:{staff.id}", actor_id=staff.id)
            s.commit()
            return redirect(_safe_next(request.args.get("next")) or home_for(staff))
        if staff is not None:
            audit(s, email, "auth.login_failed", f"staff:{staff.id}")
            s.commit()
        flash(_("Fel e-post eller lösenord."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    s = db.session()
    audit(s, current_user.email, "auth.logout", f"staff:{current_user.id}",
          actor_id=current_user.id)
    s.commit()
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    language = LanguageForm(language=current_user.ui_language)
    if form.validate_on_submit():
        s = db.session()
        staff = s.get(Staff, current_user.id)
        if not verify_password(staff, form.current.data):
            form.current.errors.append(_("Fel lösenord."))
        else:
            try:
                staff.password_hash = hash_password(form.new.data)
            except PasswordError as exc:
                form.new.errors.append(_("Lösenordet duger inte: %(why)s", why=str(exc)))
            else:
                audit(s, staff.email, "auth.password_changed", f"staff:{staff.id}",
                      actor_id=staff.id)
                s.commit()
                login_user(staff)  # the session id follows the new password hash
                flash(_("Lösenordet är bytt. Andra inloggningar är utloggade."), "info")
                return redirect(url_for("auth.account"))
    status = 400 if form.errors else 200
    return render_template("auth/account.html", form=form, language=language), status


@bp.post("/account/language")
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        choice = form.language.data
        session["ui_language"] = choice
        if current_user.is_authenticated:
            s = db.session()
            s.get(Staff, current_user.id).ui_language = choice
            s.commit()
    return redirect(_safe_next(request.form.get("back")) or url_for("auth.login"))


def root():
    """`/`: staff go to their own start page; everyone else to the log-in."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))
