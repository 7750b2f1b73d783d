"""The base for every staff-app form: CSRF (Flask-WTF) and WTForms' own messages in the
staff member's language."""

from __future__ import annotations

from babel.support import LazyProxy
from flask_wtf import FlaskForm
from wtforms.i18n import get_translations

from bot.web.ui_i18n import gettext, ui_language


def lazy_gettext(message: str, **variables) -> LazyProxy:
    """For texts defined at import time (form labels, validator messages)."""
    return LazyProxy(gettext, message, enable_cache=False, **variables)


class KnuffForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return get_translations([ui_language().replace("-", "_")])
