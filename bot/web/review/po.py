"""A language's flows.po for offline work in Poedit: download the database's state,
upload an edited file with the same validation as `flask translations import`."""

from __future__ import annotations

from flask import current_app, flash, make_response, redirect, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import BooleanField

from bot import db
from bot.i18n.catalogs import PoError, render_po
from bot.services import approvals, review
from bot.services.audit import audit
from bot.services.runtime import runtime
from bot.web.forms import KnuffForm, lazy_gettext
from bot.web.review import bp
from bot.web.review.views import render_language, suggestions, target_language
from bot.web.ui_i18n import gettext as _

# A flows.po is a few hundred kilobytes; this leaves room for many more flows.
MAX_PO_BYTES = 2 * 1024 * 1024


class UploadForm(KnuffForm):
    file = FileField(lazy_gettext("PO-fil"), validators=[
        FileRequired(lazy_gettext("Välj en PO-fil att ladda upp."))])
    approve = BooleanField(lazy_gettext("Godkänn det jag laddar upp"))


@bp.url_value_preprocessor
def _limit_upload(endpoint: str | None, values: dict | None) -> None:
    """Cap the upload's size before anything (the CSRF check included) reads the body."""
    if endpoint == "review.po_file" and request.method == "POST":
        request.max_content_length = limit = MAX_PO_BYTES + 64 * 1024
        if (request.content_length or 0) > limit:  # refused before a byte is parsed
            raise RequestEntityTooLarge()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    code = (request.view_args or {}).get("code", "")
    flash(_("Filen är för stor (högst %(mb)d MB).", mb=MAX_PO_BYTES // (1024 * 1024)),
          "error")
    if request.endpoint == "review.po_file" and code:
        return redirect(url_for("review.language_page", code=code))
    return redirect(url_for("review.index"))


@bp.route("/<code>/flows.po", methods=["GET", "POST"])
def po_file(code: str):
    """GET: the catalog as Poedit should see it. POST: import an edited one."""
    lang = target_language(code)
    if request.method == "POST":
        return upload(lang)
    template = review.template(current_app.config["FLOWS_DIR"])
    s = db.session()
    catalog = approvals.export_catalog(s, lang, flows=runtime().flows.values(),
                                       template=template, drafts=suggestions(lang.code))
    audit(s, current_user.email, "translation.download", f"catalog:{lang.code}",
          actor_id=current_user.id)
    s.commit()
    response = make_response(render_po(catalog))
    response.headers["Content-Type"] = "text/x-gettext-translation; charset=utf-8"
    response.headers["Content-Disposition"] = \
        f'attachment; filename="knuff-flows-{lang.code}.po"'
    return response


def upload(lang):
    """Validate and import; a broken file imports nothing and lists each problem."""
    form = UploadForm()
    if not form.validate():
        return render_language(lang, form, status=400)
    data = form.file.data.read(MAX_PO_BYTES + 1)
    name = form.file.data.filename or "flows.po"
    if len(data) > MAX_PO_BYTES:
        form.file.errors.append(_("Filen är för stor (högst %(mb)d MB).",
                                  mb=MAX_PO_BYTES // (1024 * 1024)))
        return render_language(lang, form, status=400)
    s = db.session()
    try:
        result = approvals.import_po(s, data, lang.code, flows=runtime().flows.values(),
                                     approve=form.approve.data, by=current_user.email,
                                     name=name, actor_id=current_user.id)
    except PoError as error:
        s.rollback()
        return render_language(lang, form, problems=error.problems, status=400)
    audit(s, current_user.email, "translation.upload", f"catalog:{lang.code}",
          actor_id=current_user.id,
          detail={"approve": bool(form.approve.data), "approved": result.approved,
                  "drafts": result.drafts, "needs_review": result.needs_review,
                  "unchanged": result.unchanged})
    s.commit()
    flash(_("Filen är inläst: %(approved)d godkända, %(drafts)d utkast, %(review)d behöver "
            "granskas, %(unchanged)d oförändrade.", approved=result.approved,
            drafts=result.drafts, review=result.needs_review, unchanged=result.unchanged),
          "success")
    return redirect(url_for("review.language_page", code=lang.code))

