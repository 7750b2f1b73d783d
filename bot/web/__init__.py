"""HTTP surface: Twilio webhooks, health, the staff app, and the phone simulator in
development."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.web import (
        admin,
        auth,
        health,
        intake,
        machine,
        review,
        security,
        simulator,
        staff,
        twilio,
        ui_i18n,
    )
    from bot.web.sessions import CachedSessionInterface
    from bot.web.staff.context import open_alerts

    app.session_interface = CachedSessionInterface()
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(admin.bp)
    # No cookies, CSRF or rate limits there; POST /twilio/sms not even Flask's request.
    machine.mount(app, [twilio.bp, health.bp], {"/twilio/sms": intake.SmsIntake(app)})
    exempt = []
    if app.config["KNUFF_ENV"] != "production":
        app.register_blueprint(simulator.bp)
        exempt.append(simulator.bp)  # JSON-only posts: a cross-site form cannot send them
    security.init_app(app, exempt)
    ui_i18n.init_app(app)
    app.context_processor(open_alerts)
    app.add_url_rule("/", "root", auth.root)
