"""HTTP surface: Twilio webhooks, health, and the phone simulator in development."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.web import health, simulator, twilio
    from bot.web.sessions import CachedSessionInterface

    app.session_interface = CachedSessionInterface()
    app.register_blueprint(twilio.bp)
    app.register_blueprint(health.bp)
    if app.config["KNUFF_ENV"] != "production":
        app.register_blueprint(simulator.bp)
