"""The cached session serializer signs exactly like Flask's own, and follows the secret."""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface

from bot.web.sessions import CachedSessionInterface


def test_cached_serializer_round_trips_with_flasks_own(app):
    ours, flasks = CachedSessionInterface(), SecureCookieSessionInterface()
    token = ours.get_signing_serializer(app).dumps({"lang": "sv"})
    assert flasks.get_signing_serializer(app).loads(token) == {"lang": "sv"}
    assert ours.get_signing_serializer(app) is ours.get_signing_serializer(app)


def test_a_new_secret_gets_a_new_serializer(app):
    ours = CachedSessionInterface()
    before = ours.get_signing_serializer(app)
    app.secret_key = "another-secret"
    assert ours.get_signing_serializer(app) is not before
