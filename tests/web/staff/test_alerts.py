"""The alerts inbox: only visible clients' alerts, filters, marking handled (audited)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.models import Alert, AuditEvent, Enrollment

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
BADGE = re.compile(r'class="badge"[^>]*>(\d+)<')


@pytest.fixture
def alerts(session, people, make_client):
    """Amina (Sara's), Bashir (Ali's, same team) and Cecilia (Eva's, Team Syd)."""
    amina = make_client("Amina", "ar")
    bashir = make_client("Bashir", "so", case_manager_id=people.ali.id)
    cecilia = make_client("Cecilia", "sv", case_manager_id=people.eva.id)
    checkin = Enrollment(client_id=amina.id, flow_id="activity_checkin", flow_version=2,
                         start_at=T0, idempotency_key="t-1")
    session.add(checkin)
    session.flush()
    made = {
        "help": Alert(client_id=amina.id, reason="help", note="Klienten vill ha hjälp.",
                      created_at=T0),
        "absence": Alert(client_id=amina.id, enrollment_id=checkin.id, reason="absence",
                         note="Klienten meddelar att hen inte kan komma.",
                         answer={"name": "reason", "value": "sick", "text": "2"},
                         created_at=T0 + timedelta(hours=1)),
        "interpreter": Alert(client_id=bashir.id, reason="interpreter",
                             answer={"language": "so"}, created_at=T0 + timedelta(hours=2)),
        "syd": Alert(client_id=cecilia.id, reason="call_me", note="Ring Cecilia.",
                     created_at=T0 + timedelta(hours=3)),
    }
    session.add_all(made.values())
    session.commit()
    return made


def page(browser, path="/staff/alerts") -> str:
    response = browser.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_case_managers_see_their_own_and_their_teams_alerts_newest_first(as_, alerts):
    html = page(as_("sara"))
    assert html.index("Bashir") < html.index("Amina")
    assert "Cecilia" not in html and "Ring Cecilia" not in html
    assert "Vill ha tolk" in html and "somaliska" in html
    assert "Frånvaroanmälan" in html and "Uppföljning av aktivitet" in html
    assert "Sjuk" in html  # the answer's category, as the client saw it
    assert BADGE.search(html).group(1) == "3"


def test_another_team_sees_none_of_them(as_, alerts):
    html = page(as_("eva"))
    assert "Cecilia" in html
    assert "Amina" not in html and "Bashir" not in html
    assert BADGE.search(html).group(1) == "1"


def test_filters_by_reason_and_by_whose_clients(as_, alerts):
    sara = as_("sara")
    html = page(sara, "/staff/alerts?reason=help")
    assert "Amina" in html and "Bashir" not in html
    html = page(sara, "/staff/alerts?scope=mine")
    assert "Amina" in html and "Bashir" not in html
    assert "Bashir" in page(sara, "/staff/alerts?scope=team")


def test_admins_see_every_alert(as_, alerts):
    html = page(as_("admin"))
    assert all(name in html for name in ("Amina", "Bashir", "Cecilia"))


def test_marking_handled_is_audited_and_lowers_the_count(as_, alerts, session, people):
    sara = as_("sara")
    response = sara.post(f"/staff/alerts/{alerts['help'].id}/handled", {"reason": "help"},
                         token_from="/staff/alerts")
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/alerts?reason=help"
    session.expire_all()
    alert = session.get(Alert, alerts["help"].id)
    assert alert.handled_at is not None and alert.handled_by_id == people.sara.id
    event = session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("alert.%"))).one()
    assert (event.action, event.target, event.actor_id, event.detail) == (
        "alert.handle", f"client:{alert.client_id}", people.sara.id,
        {"alert": alert.id, "reason": "help"})
    html = page(sara)
    assert BADGE.search(html).group(1) == "2"
    assert "Klienten vill ha hjälp." not in html
    handled = page(sara, "/staff/alerts?state=handled")
    assert "Klienten vill ha hjälp." in handled and "av Sara" in handled


def test_bulk_marks_the_selected_alerts(as_, alerts, session):
    sara = as_("sara")
    chosen = [alerts["help"].id, alerts["interpreter"].id]
    response = sara.post("/staff/alerts/handled", {"alert": chosen},
                         token_from="/staff/alerts", follow_redirects=True)
    assert "2 signaler är markerade som hanterade." in response.get_data(as_text=True)
    session.expire_all()
    open_ = session.scalars(sa.select(Alert.id).where(Alert.handled_at.is_(None))).all()
    assert sorted(open_) == sorted([alerts["absence"].id, alerts["syd"].id])
    assert BADGE.search(page(sara)).group(1) == "1"


def test_bulk_without_a_choice_says_so(as_, alerts):
    response = as_("sara").post("/staff/alerts/handled", {}, token_from="/staff/alerts",
                                follow_redirects=True)
    assert "Välj minst en signal först." in response.get_data(as_text=True)


def test_another_teams_alert_cannot_be_handled(as_, alerts, session):
    eva = as_("eva")
    assert eva.post(f"/staff/alerts/{alerts['help'].id}/handled",
                    token_from="/staff/alerts").status_code == 404
    assert eva.post("/staff/alerts/handled", {"alert": [alerts["syd"].id, alerts["help"].id]},
                    token_from="/staff/alerts").status_code == 404
    assert eva.post("/staff/alerts/999999/handled", token_from="/staff/alerts").status_code \
        == 404
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).where(Alert.handled_at.is_not(None))) == 0
    assert session.scalar(sa.select(sa.func.count(AuditEvent.id))
                          .where(AuditEvent.action.like("alert.%"))) == 0


def test_a_handled_alert_can_be_opened_again(as_, alerts, session):
    sara = as_("sara")
    alert_id = alerts["help"].id
    sara.post(f"/staff/alerts/{alert_id}/handled", token_from="/staff/alerts")
    assert sara.post(f"/staff/alerts/{alert_id}/reopen", {"state": "handled"},
                     token_from="/staff/alerts").status_code == 302
    session.expire_all()
    assert session.get(Alert, alert_id).handled_at is None
    assert session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("alert.%"))
                           .order_by(AuditEvent.id)).all() == [
        "alert.handle", "alert.reopen"]
    assert as_("eva").post(f"/staff/alerts/{alert_id}/reopen",
                           token_from="/staff/alerts").status_code == 404


def test_client_text_is_escaped_and_isolated(as_, alerts, session):
    alerts["absence"].answer = {"name": "note", "value": None,
                                "text": '<script>alert("x")</script> مرحبا'}
    session.commit()
    html = page(as_("sara"))
    assert "<script>alert" not in html
    assert '<bdi class="client-text" dir="auto" lang="ar">&lt;script&gt;' in html


def test_unknown_reasons_are_shown_readably(as_, alerts, session):
    session.add(Alert(client_id=alerts["help"].client_id, reason="brand_new_thing",
                      created_at=T0))
    session.commit()
    assert "Brand new thing" in page(as_("sara"))


def test_the_inbox_speaks_english_too(as_, alerts, people, session):
    people.sara.ui_language = "en"
    session.commit()
    html = page(as_("sara"))
    assert "Interpreter request" in html and "Somali" in html and "Needs help" in html


def test_the_client_name_links_to_the_client_page_when_there_is_one(app, as_, alerts):
    html = page(as_("sara"))
    if "staff.client" in app.view_functions:
        assert f'href="/staff/clients/{alerts["help"].client_id}' in html or \
            f'/{alerts["help"].client_id}"' in html
    else:
        assert ">Amina<" not in html or "href" in html


def test_a_talk_answer_names_the_case_manager_as_the_client_read_it(as_, alerts, session):
    absence = alerts["absence"]
    absence.reason, absence.answer = "call_me", {"name": "attended", "value": "talk",
                                                 "text": "4"}
    session.commit()
    html = page(as_("sara"))
    assert "Jag vill prata med Sara" in html
    assert "{case_manager}" not in html and "Jag vill prata med …" not in html


def _raised(session, client_id: int, reason: str, data: dict, enrollment_id=None) -> None:
    """An alert as the services and the conversation write it now: a code and data."""
    session.add(Alert(client_id=client_id, enrollment_id=enrollment_id, reason=reason,
                      data=data, created_at=T0 + timedelta(hours=4)))
    session.commit()


@pytest.mark.parametrize(("reason", "data", "swedish", "english"), [
    ("delivery_failed", {"error_code": "21610"}, "Sms:et kunde inte levereras (fel 21610).",
     "The SMS could not be delivered (error 21610)."),
    ("delivery_failed", {"error_code": None}, "(fel okänt)", "(error unknown)"),
    ("delivery_unknown", {"cause": "worker_stopped"}, "En bakgrundsprocess stoppades",
     "A worker stopped while sending this SMS."),
    ("delivery_unknown", {"cause": "connection_broke"}, "Anslutningen till sms-leverantören",
     "The connection to the SMS provider broke"),
    ("message", {"cause": "start_staff_stopped"}, "Klienten skrev START, men personalen",
     "The client wrote START, but staff"),
    ("message", {}, "Klienten skrev utanför en konversation.",
     "The client wrote outside a conversation."),
    ("opt_out", {}, "Klienten skrev STOPP.", "The client wrote STOPP."),
    ("inbound_failed", {"attempts": 5}, "Knuff kunde inte behandla ett sms",
     "Knuff could not process an SMS"),
    ("fallback", {"language": "ar"}, "klienten får lättläst svenska",
     "the client gets easy Swedish"),
])
def test_alerts_are_worded_by_the_staff_app_in_its_language(as_, alerts, people, session,
                                                           reason, data, swedish, english):
    _raised(session, alerts["help"].client_id, reason, data)
    html = page(as_("sara"))
    assert swedish in html and english not in html
    people.sara.ui_language = "en"
    session.commit()
    html = page(as_("sara"))
    assert english in html and swedish not in html


def test_an_unrecognised_answer_is_worded_by_the_staff_app(as_, alerts, session):
    """The engine's own alert (no flow step behind it) carries only its code and step."""
    absence = alerts["absence"]
    _raised(session, absence.client_id, "unrecognised", {"step": "attended"},
            enrollment_id=absence.enrollment_id)
    assert "Svaret gick inte att tolka. Läs svaret och hör av dig." in page(as_("sara"))


def test_a_flow_alert_shows_the_note_of_its_step(as_, alerts, people, session):
    """The note is flow data (Swedish): shown as written, marked Swedish in the English UI."""
    absence = alerts["absence"]
    _raised(session, absence.client_id, "call_me", {"step": "alert_call_me"},
            enrollment_id=absence.enrollment_id)
    assert '<p class="note">Klienten vill prata med dig.</p>' in page(as_("sara"))
    people.sara.ui_language = "en"
    session.commit()
    assert '<p class="note" lang="sv">Klienten vill prata med dig.</p>' in page(as_("sara"))


def test_a_language_in_the_data_is_shown_like_one_in_an_older_answer(as_, alerts, session):
    _raised(session, alerts["help"].client_id, "interpreter", {"language": "ti"})
    html = page(as_("sara"))
    assert "Språk: tigrinja" in html and "Språk: somaliska" in html  # new row, older row
