"""The endpoints machines call (Twilio's webhooks, the health check) on a lean sibling app.

Twilio and load balancers need none of the staff app's browser machinery: no session
cookie, no log-in, no CSRF token, no rate limit by address (Twilio posts from a few shared
addresses), no Content-Security-Policy. Run through all of it, a webhook spent more time
there than on its own work (the signature check and one INSERT), and a public endpoint
parsed session cookies it never needed. So `mount` serves these routes from a second
Flask app placed in front of the main one: a request for one of its exact paths goes to
it, every other request to the main app. Both share one config and one set of extensions
(engine, runtime, sender), so there is still one Knuff, configured once. The busiest
path, POST /twilio/sms, goes further: it is a plain WSGI app (`intake.SmsIntake`) with
no Flask request machinery at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Blueprint, Flask
from flask.sessions import SessionInterface

from bot import db

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class _NoSessions(SessionInterface):
    """Machines send no session cookie: never parse, sign or set one."""

    def open_session(self, app, request):
        return None  # Flask then uses a null session, which is never saved

    def save_session(self, app, session, response) -> None:
        return None


class _Dispatch:
    """WSGI: a plain endpoint or the machine app for their exact paths, the main app for
    everything else.

    PATH_INFO and SCRIPT_NAME are left alone, so the Twilio signature check sees the URL
    exactly as Twilio signed it."""

    def __init__(self, main: WsgiApp, machine: WsgiApp, paths: frozenset[str],
                 endpoints: dict[str, WsgiApp]) -> None:
        self.main = main
        self.machine = machine
        self.paths = paths
        self.endpoints = endpoints

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        path = environ.get("PATH_INFO", "")
        endpoint = self.endpoints.get(path)
        if endpoint is not None:
            return endpoint(environ, start_response)
        if path in self.paths:
            return self.machine(environ, start_response)
        return self.main(environ, start_response)


def mount(app: Flask, blueprints: Iterable[Blueprint],
          endpoints: dict[str, WsgiApp] | None = None) -> Flask:
    """Serve `blueprints` from a lean app sharing `app`'s config and extensions, and each
    of `endpoints` (path: plain WSGI app) on its own path; returns the lean app.

    Routes must be fixed paths (no converters): dispatch is one dict or set lookup."""
    endpoints = dict(endpoints or {})
    machine = Flask(app.import_name, root_path=app.root_path, static_folder=None)
    machine.config = app.config  # the same object, not a copy
    machine.extensions = app.extensions
    machine.session_interface = _NoSessions()
    machine.teardown_appcontext(db.close_session)
    for bp in blueprints:
        machine.register_blueprint(bp)
    paths = set()
    for rule in machine.url_map.iter_rules():
        if rule.arguments:
            raise ValueError(f"machine route {rule.rule} has arguments; use a fixed path")
        if rule.rule in endpoints:
            raise ValueError(f"{rule.rule} is both a machine route and a plain endpoint")
        paths.add(rule.rule)
    app.wsgi_app = _Dispatch(app.wsgi_app, machine.wsgi_app, frozenset(paths), endpoints)
    app.extensions["knuff.machine_app"] = machine
    return machine
