"""The simulator starts any flow for a demo client at once, so every flow can be tried."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.models import Enrollment, Message


@pytest.fixture
def web(app):
    return app.test_client()


def test_every_flow_but_system_is_offered_and_starts_now(app, rt, session, make_client, web):
    client = make_client()
    page = web.get(f"/simulator/{client.id}").get_data(as_text=True)
    assert "Starta nu" in page
    example = {"datetime": "2027-02-10T13:00", "text": "Bryggan"}
    for flow in rt.flows.values():
        if flow.id == "system":
            continue
        assert f'value="{flow.id}"' in page
        params = {name: example[kind] for name, kind in flow.params.items()}
        response = web.post(f"/simulator/{client.id}/start", json={"flow": flow.id,
                                                                  "params": params})
        assert response.status_code == 200, (flow.id, response.get_json())
    started = session.scalars(sa.select(Enrollment.flow_id)).all()
    assert sorted(started) == sorted(f for f in rt.flows if f != "system")
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)) >= len(started)


def test_starting_explains_mistakes(web, make_client):
    client = make_client()
    missing = web.post(f"/simulator/{client.id}/start", json={"flow": "meeting_reminder"})
    assert missing.status_code == 400 and "meeting_at" in missing.get_json()["error"]
    unknown = web.post(f"/simulator/{client.id}/start", json={"flow": "nope"})
    assert unknown.status_code == 400 and "unknown flow" in unknown.get_json()["error"]
    system = web.post(f"/simulator/{client.id}/start", json={"flow": "system"})
    assert system.status_code == 400
