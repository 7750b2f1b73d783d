"""Languages with their coverage, a language's flows, and one flow's texts side by side
with the Swedish source: save a draft, approve, or send back with a comment."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from bot import db
from bot.flows.schema import Flow
from bot.i18n.languages import LANGUAGES, SOURCE, Language, language
from bot.services import approvals, review
from bot.services.runtime import runtime
from bot.web.forms import KnuffForm
from bot.web.review import bp
from bot.web.review.messages import refusal, warning
from bot.web.ui_i18n import gettext as _
from bot.web.ui_i18n import ngettext


class BulkForm(KnuffForm):
    """"Approve every text above as it stands" (CSRF only; the fields are read raw)."""


class TextForm(KnuffForm):
    """One text's form on the flow page; rendered by hand (many per page, unique ids)."""

    key = HiddenField(validators=[DataRequired(), Length(max=160)])
    source_hash = HiddenField(validators=[Optional(), Length(max=64)])
    text = TextAreaField(validators=[Length(max=2000)])
    comment = StringField(validators=[Length(max=500)])
    action = HiddenField(validators=[AnyOf(["save", "approve", "send_back"])])


def target_language(code: str) -> Language:
    """The language in the URL (exactly its code; not Swedish), else 404."""
    try:
        lang = language(code)
    except ValueError:
        abort(404)
    if lang.code != code or lang.code == SOURCE:
        abort(404)
    return lang


def target_flow(flow_id: str) -> Flow:
    flow = runtime().flows.get(flow_id)
    if flow is None:
        abort(404)
    return flow


def suggestions(code: str) -> dict:
    return review.shipped_drafts(current_app.config["TRANSLATIONS_DIR"], code)


@bp.get("/")
def index():
    """Every client language with its coverage over all flows."""
    codes = [code for code in LANGUAGES if code != SOURCE]
    table = review.coverage(db.session(), runtime().flows, codes,
                            {code: suggestions(code) for code in codes})
    rows = [(LANGUAGES[code], review.total(table[code])) for code in codes]
    return render_template("review/index.html", rows=rows)


@bp.get("/<code>/")
def language_page(code: str):
    """A language's flows with their coverage, and the PO file to download or upload."""
    lang = target_language(code)
    return render_language(lang, None)


def render_language(lang: Language, upload_form, problems=None, status: int = 200):
    from bot.web.review.po import UploadForm

    flows = runtime().flows
    per_flow = review.coverage(db.session(), flows, [lang.code],
                               {lang.code: suggestions(lang.code)})[lang.code]
    return render_template("review/language.html", lang=lang, flows=flows,
                           per_flow=per_flow, whole=review.total(per_flow),
                           form=upload_form or UploadForm(formdata=None),
                           problems=problems or []), status


@bp.route("/<code>/<flow_id>/", methods=["GET", "POST"])
def flow_page(code: str, flow_id: str):
    """Each text of one flow: source, context, placeholders, size, editor, actions."""
    lang, flow = target_language(code), target_flow(flow_id)
    show = "todo" if request.args.get("show") == "todo" else "all"
    errors: dict[str, list[str]] = {}
    submitted: dict[str, str] = {}
    if request.method == "POST":
        result = approve_all(lang, flow) if request.form.get("action") == "approve_all" \
            else act(lang, flow)
        if isinstance(result, str):  # where to go next
            return redirect(url_for("review.flow_page", code=lang.code, flow_id=flow.id,
                                    show=show if show == "todo" else None) + result)
        errors, submitted = result
    items = items_of(lang, flow)
    for item in items:
        if item.key in submitted:
            item.text = submitted[item.key]
            item.check = approvals.check_placeholders(item.source, item.text)
    shown = [i for i in items if show == "all" or i.state != "approved" or i.key in errors]
    ids = sorted(runtime().flows)
    at = ids.index(flow.id)
    return render_template(
        "review/flow.html", lang=lang, flow=flow, items=shown, total=len(items),
        todo=sum(i.state != "approved" for i in items), show=show, errors=errors,
        warning=warning, diff=review.word_diff, digest=approvals.digest,
        bulk=[i for i in shown if bulk_approvable(i)],
        previous=ids[at - 1] if at else None,
        next=ids[at + 1] if at + 1 < len(ids) else None), 400 if errors else 200


def items_of(lang: Language, flow: Flow) -> list[review.ReviewItem]:
    return review.flow_items(db.session(), flow, lang.code, suggestions(lang.code),
                             review.guardrails_for(current_app.config["FLOWS_DIR"]))


def bulk_approvable(item: review.ReviewItem) -> bool:
    """What "approve all" takes: texts not approved yet, not sent back on purpose, with
    their placeholders right."""
    return bool(item.text) and item.state not in ("approved", "rejected") and item.check.ok


def who() -> dict:
    return {"flows": runtime().flows.values(), "by": current_user.email,
            "actor_id": current_user.id}


def approve_all(lang: Language, flow: Flow) -> str:
    """Approve every text the reviewer was shown, exactly as shown (each `seen` field is
    "key sha256-of-text"); a text that changed since is left for another look."""
    if not BulkForm().validate():
        abort(400)
    if not request.form.get("confirm"):
        flash(_("Kryssa i att du har läst texterna först."), "error")
        return "#approve-all"
    seen = dict(pair.partition(" ")[::2] for pair in request.form.getlist("seen"))
    texts = {i.key: i.text for i in items_of(lang, flow)
             if i.key in seen and bulk_approvable(i) and approvals.digest(i.text) == seen[i.key]}
    s = db.session()
    try:
        done, _refused = approvals.approve_texts(s, lang.code, texts, **who())
        s.commit()
    except (StaleDataError, IntegrityError):
        s.rollback()
        done = []
    flash(ngettext("%(num)d text godkänd.", "%(num)d texter godkända.", len(done)), "success")
    if skipped := len(seen) - len(done):
        flash(ngettext("%(num)d text hade ändrats eller kunde inte godkännas. Titta på den "
                       "igen.", "%(num)d texter hade ändrats eller kunde inte godkännas. "
                       "Titta på dem igen.", skipped), "warning")
    return ""


def act(lang: Language, flow: Flow):
    """Do what the button said to one text; the anchor to go to, or (errors, texts)."""
    form = TextForm()
    if not form.validate():
        abort(400)
    texts = dict(review.flow_texts(flow))
    key, keys = form.key.data, list(texts)
    if key not in texts:
        abort(404)
    text, s = tidy(form.text.data or "", texts[key]), db.session()
    try:
        row, message = do(form, lang.code, key, text)
        s.commit()
    except approvals.ApprovalRefused as refused:
        s.rollback()
        return {key: [refusal(refused)]}, {key: text}
    except (StaleDataError, IntegrityError):  # two people saved the same text at once
        s.rollback()
        return {key: [_("Någon annan ändrade texten samtidigt. Läs den igen.")]}, {}
    flash(message, "success")
    check = approvals.check_placeholders(texts[key], row.text)
    if form.action.data == "save" and not check.ok:
        flash(warning(check), "warning")
    at = keys.index(key)
    stay = form.action.data == "save" or at + 1 == len(keys)
    return "#" + review.anchor_of(keys[at if stay else at + 1])


def do(form: TextForm, code: str, key: str, text: str):
    """The service call behind each button: (the stored row, what to tell the user)."""
    s, by = db.session(), who()
    if form.action.data == "save":
        return (approvals.save_translation(s, code, key, text, **by),
                _("Sparat som utkast.") if text else _("Översättningen är borttagen."))
    if form.action.data == "approve":
        return (approvals.approve_translation(s, code, key, text, **by,
                                              seen_source_hash=form.source_hash.data or None),
                _("Godkänd. Texten kan nu skickas till klienter."))
    return (approvals.send_back(s, code, key, form.comment.data or "", text=text, **by),
            _("Skickad tillbaka med din kommentar."))


def tidy(text: str, source: str) -> str:
    """Browser line ends made Unix; no stray spaces or newlines at the ends, except the
    newlines the Swedish text itself begins or ends with."""
    core = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not core:
        return ""
    return ("\n" if source.startswith("\n") else "") + core + \
        ("\n" if source.endswith("\n") else "")
