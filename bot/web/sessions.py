"""Flask's cookie sessions, with the signing serializer built once per secret.

Flask builds a new serializer on every request, even for webhooks that never touch the
session; on the SMS webhook that was a measurable share of the request.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class CachedSessionInterface(SecureCookieSessionInterface):
    """The default cookie session; `get_signing_serializer` is cached per secret key."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("knuff.session_serializer")
        if cached is None or cached[0] != key:
            cached = (key, super().get_signing_serializer(app))
            app.extensions["knuff.session_serializer"] = cached
        return cached[1]
