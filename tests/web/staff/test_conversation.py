"""The conversation view: every message in order with its status and language, client
texts escaped and shown in their own direction, answers as tables per flow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.models import (
    Alert,
    Direction,
    Enrollment,
    EnrollmentStatus,
    Message,
    MessageStatus,
    Result,
    utcnow,
)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def message(client, direction, body, status, minutes, **fields) -> Message:
    at = T0 + timedelta(minutes=minutes)
    return Message(client_id=client.id, direction=direction, body=body, status=status,
                   created_at=at, updated_at=at, **fields)


@pytest.fixture
def amina(make_client, session):
    """Amina writes Arabic: a check-in in Swedish (no approved text), her replies, and
    one Swedish nudge held for quiet hours."""
    client = make_client("Amina", "ar")
    out, incoming = Direction.OUT, Direction.IN
    session.add_all([
        message(client, out, "Hej Amina! Var du med på din aktivitet i dag?\n1 Ja\n2 Delvis",
                MessageStatus.DELIVERED, 0, language="sv", fallback_from="ar", segments=1,
                encoding="GSM-7", key="activity_checkin.attended"),
        message(client, incoming, "<script>alert('x')</script> نعم", MessageStatus.HANDLED, 5),
        message(client, incoming, "مرحبا، لا أستطيع الحضور", MessageStatus.HANDLED, 6),
        message(client, out, "Tack!", MessageStatus.FAILED, 7, language="sv", segments=1),
        message(client, out, "Imorgon kl 10", MessageStatus.QUEUED, 8, language="sv",
                send_after=utcnow() + timedelta(hours=10)),
        message(client, out, None, MessageStatus.DELIVERED, 9, language="sv"),
    ])
    session.add_all([
        Result(client_id=client.id, flow_id="activity_checkin", question="attended",
               category="no", text="3", language="ar", answered_at=T0 + timedelta(minutes=5)),
        Result(client_id=client.id, flow_id="activity_checkin", question="attended",
               category="other", text="<b>kanske</b>", language="ar",
               answered_at=T0 + timedelta(minutes=6)),
        Result(client_id=client.id, flow_id="meeting_reminder", question="attending",
               category="talk", text="4", language="ar", answered_at=T0),
        Alert(client_id=client.id, reason="absence", created_at=T0),
        Enrollment(client_id=client.id, flow_id="motivation", flow_version=1,
                   start_at=utcnow() + timedelta(days=3), idempotency_key="c-1",
                   status=EnrollmentStatus.SCHEDULED),
    ])
    session.commit()
    return client


def page(as_, client, who="sara") -> str:
    response = as_(who).get(f"/staff/clients/{client.id}/conversation")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_messages_in_and_out_in_order_with_status_and_language(as_, amina):
    html = page(as_, amina)
    order = [html.index(t) for t in ("Var du med på din aktivitet", "لا أستطيع", "Tack!",
                                     "Imorgon kl 10")]
    assert order == sorted(order)
    assert "Levererat" in html and "Misslyckades" in html
    assert "Väntar till" in html and "(tysta timmar)" in html
    assert "På svenska: ingen godkänd översättning till arabiska" in html
    assert "Texten är borttagen enligt gallringsreglerna." in html
    assert "Från klienten" in html and "Till klienten" in html


def test_client_text_is_escaped(as_, amina):
    html = page(as_, amina)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;kanske&lt;/b&gt;" in html and "<b>kanske" not in html


def test_right_to_left_text_is_isolated_in_its_own_direction(as_, amina):
    html = page(as_, amina)
    assert '<bdi class="client-text" dir="auto" lang="ar">مرحبا، لا أستطيع الحضور</bdi>' in html


def test_answers_as_a_table_per_flow_with_the_flows_labels(as_, amina):
    html = page(as_, amina)
    assert "<caption>Uppföljning av aktivitet</caption>" in html
    assert "<caption>Påminnelse om möte</caption>" in html
    assert "Var du med på din aktivitet i dag?" in html
    assert '<span lang="sv">Nej</span>' in html
    assert "Annat svar (gick inte att tolka)" in html
    assert "Jag vill att Sara ringer mig" in html  # the label, with the case manager's name


def test_upcoming_nudges_and_open_alerts_with_links(as_, amina):
    html = page(as_, amina)
    assert "Motivation" in html or "motivation" in html.lower()
    assert f"/staff/clients/{amina.id}/nudges/" in html
    assert "Frånvaroanmälan" in html and "/staff/alerts#alert-" in html


def test_another_teams_client_has_no_conversation_for_sara(as_, amina, people, make_client):
    other = make_client("Cecilia", "sv", case_manager_id=people.eva.id)
    assert as_("sara").get(f"/staff/clients/{other.id}/conversation").status_code == 404
    assert as_("eva").get(f"/staff/clients/{amina.id}/conversation").status_code == 404


def test_a_long_thread_shows_the_latest_and_offers_the_rest(as_, make_client, session):
    client = make_client("Bo", "sv")
    session.add_all(message(client, Direction.IN, f"svar {n}", MessageStatus.HANDLED, n)
                    for n in range(205))
    session.commit()
    html = page(as_, client)
    assert "svar 204" in html and ">svar 0<" not in html
    assert "Visa äldre meddelanden" in html
    everything = as_("sara").get(f"/staff/clients/{client.id}/conversation?all=1")
    assert ">svar 0<" in everything.get_data(as_text=True)
