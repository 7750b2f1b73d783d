"""The staff app's own language: Swedish by default, English available.

UI strings are written in Swedish in the code and templates (`_("Klienter")`); the
English text comes from `translations/en/LC_MESSAGES/messages.po` (Babel's PO reader, no
compiled .mo files to forget). A staff member's choice is stored on their account;
before log-in the browser's Accept-Language decides.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from babel.dates import format_datetime
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request, session
from flask_login import current_user

from bot.services.runtime import runtime

UI_LANGUAGES = {"sv": "Svenska", "en": "English"}
DEFAULT = "sv"


def load_catalog(path: Path) -> dict[str, str | tuple[str, ...]]:
    """msgid -> translation from one messages.po; untranslated and fuzzy entries are left
    out, so the Swedish shows instead of an empty string."""
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        catalog = read_po(fh)
    table: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            if all(message.string):
                table[message.id[0]] = tuple(message.string)
        elif message.string:
            table[message.id] = message.string
    return table


def ui_language() -> str:
    if "ui_language" not in g:
        choice = None
        if current_user and current_user.is_authenticated:
            choice = current_user.ui_language
        choice = choice or session.get("ui_language")
        if choice not in UI_LANGUAGES:
            choice = request.accept_languages.best_match(list(UI_LANGUAGES), DEFAULT)
        g.ui_language = choice
    return g.ui_language


def _table() -> dict:
    return current_app.extensions["knuff.ui_catalogs"].get(ui_language(), {})


def _lookup(message: str) -> str:
    text = _table().get(message, message)
    return text[0] if isinstance(text, tuple) else text


def _nlookup(singular: str, plural: str, num: int) -> str:
    text = _table().get(singular)
    if isinstance(text, tuple):  # Swedish and English: n == 1 is the only singular
        return text[0] if num == 1 else text[-1]
    return singular if num == 1 else plural


def gettext(message: str, **variables) -> str:
    """The message in the staff member's language, with %(name)s variables filled in."""
    text = _lookup(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _nlookup(singular, plural, num) % variables


_ = gettext


def N_(message: str) -> str:  # noqa: N802  (the gettext convention)
    """Marks a text for extraction where it is translated later, e.g. a table of labels."""
    return message


def localtime(value: datetime | None, fmt: str = "d MMM yyyy HH:mm") -> str:
    """A stored (UTC) time as the office reads it: service time zone, UI language."""
    if value is None:
        return ""
    return format_datetime(value, fmt, tzinfo=runtime().tz, locale=ui_language())


def aria(field, hint: str | None = None) -> dict[str, str]:
    """aria-describedby / aria-invalid for a form field with a hint and errors."""
    ids = ([f"{field.id}-hint"] if hint else []) + ([f"{field.id}-error"] if field.errors else [])
    attrs = {"aria_describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria_invalid"] = "true"
    return attrs


def init_app(app: Flask) -> None:
    base = Path(app.config["TRANSLATIONS_DIR"])
    app.extensions["knuff.ui_catalogs"] = {
        lang: load_catalog(base / lang / "LC_MESSAGES" / "messages.po")
        for lang in UI_LANGUAGES if lang != DEFAULT
    }
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Jinja's new-style gettext formats and escapes the variables itself.
    app.jinja_env.install_gettext_callables(_lookup, _nlookup, newstyle=True)  # type: ignore[attr-defined]
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals.update(ui_language=ui_language, UI_LANGUAGES=UI_LANGUAGES, aria=aria)
