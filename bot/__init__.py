"""Knuff: friendly SMS contact between clients and their case manager."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then the environment, then `config` (tests)."""
    from bot import cli, db
    from bot import config as settings
    from bot.services import outbound, runtime
    from bot.web import init_app as init_web

    app = Flask(__name__, instance_relative_config=True)
    app.config.update(settings.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    settings.check(app.config)
    _logging(app)
    db.init_app(app)
    runtime.init_app(app)
    outbound.init_app(app)
    init_web(app)
    cli.init_app(app)
    if app.config["KNUFF_PROXY_HOPS"]:  # outermost: the webhooks' app sees it too
        hops = app.config["KNUFF_PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "apscheduler.executors", "twilio.http_client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # "skipped: maximum number of running instances" every tick while a long one runs.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
