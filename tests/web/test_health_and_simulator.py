"""/healthz, and the development phone simulator."""

from __future__ import annotations

import sqlalchemy as sa

from bot.models import Enrollment, Message
from bot.worker import tick
from tests.conftest import make_app


def test_healthz_reports_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_gone(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/gone.sqlite3")
    try:
        app.extensions["knuff.engine"].dispose()
        (tmp_path / "gone.sqlite3").unlink()
        (tmp_path / "gone.sqlite3").mkdir()  # a directory cannot be opened as a database
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.get_json()["status"] == "error"
    finally:
        app.extensions["knuff.engine"].dispose()


def test_simulator_lists_clients_and_plays_a_conversation(app, session, make_client, sender):
    amina = make_client("Amina", language="ar")
    web = app.test_client()
    page = web.get("/simulator/")
    assert page.status_code == 200 and "Amina" in page.get_data(as_text=True)
    assert "العربية" in page.get_data(as_text=True)

    assert web.post(f"/simulator/{amina.id}/enrol",
                    json={"flow": "activity_checkin", "delay": 0}).status_code == 200
    tick(app)
    assert web.post(f"/simulator/{amina.id}/send", json={"body": "1"}).get_json() == {
        "outcome": "reply"}
    tick(app)
    data = web.get(f"/simulator/{amina.id}/messages").get_json()
    assert [m["direction"] for m in data["messages"]] == ["out", "in", "out"]
    assert data["messages"][1]["body"] == "1"


def test_simulator_shows_what_is_scheduled_and_explains_errors(app, session, make_client):
    amina = make_client()
    web = app.test_client()
    assert web.post(f"/simulator/{amina.id}/enrol",
                    json={"flow": "activity_checkin", "delay": 3600}).status_code == 200
    assert web.get(f"/simulator/{amina.id}/messages").get_json()["scheduled"][0]["flow"] == (
        "activity_checkin")
    bad = web.post(f"/simulator/{amina.id}/enrol", json={"flow": "meeting_reminder"})
    assert bad.status_code == 400 and "meeting_at" in bad.get_json()["error"]
    assert web.post(f"/simulator/{amina.id}/send", data={"body": "x"}).status_code == 415
    assert session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_simulator_is_absent_in_production(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/p.sqlite3", KNUFF_ENV="production",
                   SECRET_KEY="s" * 40, PUBLIC_BASE_URL="https://knuff.example.se")
    try:
        assert app.test_client().get("/simulator/").status_code == 404
    finally:
        app.extensions["knuff.engine"].dispose()
