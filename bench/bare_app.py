"""The webhook benchmark's baseline: the least a Flask app can do for POST /twilio/sms.

It answers the same empty TwiML Knuff answers, without reading the form, checking the
signature or touching a database, so `knuff / bare` isolates what Knuff adds on top of
Flask + gunicorn. Served with `gunicorn bench.bare_app:app` under the same settings.
"""

from __future__ import annotations

from flask import Flask, Response

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

app = Flask(__name__)


@app.post("/twilio/sms")
def sms() -> Response:
    return Response(EMPTY_TWIML, mimetype="text/xml")


@app.get("/healthz")
def healthz() -> Response:
    return Response("ok", mimetype="text/plain")
