"""Client list, registration, editing, pause/resume/stop: only visible clients, clear
messages in the UI language, every change audited (never with phone numbers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.models import Alert, AuditEvent, Client, ClientStatus, Enrollment, EnrollmentStatus, utcnow

FORM = {"phone": "070-123 45 67", "first_name": "Amal", "language": "ar",
        "swedish_level": "easy", "quiet_hours": "", "gender": "", "birth_year": ""}


@pytest.fixture
def caseload(people, make_client, session):
    """Amina (Sara's), Bashir (Ali's, same team), Cecilia (Eva's, Team Syd)."""
    amina = make_client("Amina", "ar", phone="+46701740667")
    bashir = make_client("Bashir", "so", case_manager_id=people.ali.id, paused=True)
    cecilia = make_client("Cecilia", "sv", case_manager_id=people.eva.id)
    session.add(Alert(client_id=amina.id, reason="help", created_at=utcnow()))
    session.add(Enrollment(client_id=amina.id, flow_id="activity_checkin", flow_version=2,
                           start_at=datetime(2030, 3, 5, 14, 0, tzinfo=UTC),
                           idempotency_key="t-next", status=EnrollmentStatus.SCHEDULED))
    session.commit()
    return amina, bashir, cecilia


def audits(session, action: str) -> list[AuditEvent]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def register(people):
    """register(browser, field=value, …): post the registration form, as Sara's client
    unless told otherwise."""

    def post(browser, **changes):
        data = {**FORM, "case_manager_id": str(people.sara.id), **changes}
        return browser.post("/staff/clients/new", data, token_from="/staff/clients/new")

    return post


# --- the list -----------------------------------------------------------------------------

def test_list_shows_own_and_team_clients_with_masked_phones(as_, caseload, people):
    page = html(as_("sara").get("/staff/"))
    assert "Amina" in page and "Bashir" in page and "Cecilia" not in page
    assert "070-••• •• 67" in page and "740667" not in page and "+4670" not in page
    assert '<span lang="ar" dir="rtl">العربية</span> – arabiska' in page
    assert "Soomaali" in page and "Pausad" in page
    assert "1 öppen" in page  # Amina's help alert
    assert "5 mars" in page or "tis 5 mars" in page  # next nudge, in Stockholm time
    assert "Ali" in page  # Bashir's case manager


def test_admin_sees_every_client_and_eva_only_her_own(as_, caseload):
    assert "Cecilia" in html(as_("admin").get("/staff/"))
    page = html(as_("eva").get("/staff/"))
    assert "Cecilia" in page and "Amina" not in page


@pytest.mark.parametrize(("query", "found", "hidden"), [
    ("q=ami", "Amina", "Bashir"),
    ("q=0667", "Amina", "Bashir"),
    ("q=06+67", "Amina", "Bashir"),
    ("language=so", "Bashir", "Amina"),
    ("status=paused", "Bashir", "Amina"),
    ("status=active", "Amina", "Bashir"),
])
def test_search_by_name_last_digits_language_and_status(as_, caseload, query, found, hidden):
    page = html(as_("sara").get(f"/staff/?{query}"))
    assert f">{found}</a>" in page and f">{hidden}</a>" not in page


def test_search_never_reaches_another_teams_client(as_, caseload):
    page = html(as_("sara").get("/staff/?q=Cecilia"))
    assert "Ingen klient matchar sökningen." in page


def test_search_wildcards_are_taken_literally(as_, caseload):
    assert "Ingen klient matchar" in html(as_("sara").get("/staff/?q=%25"))


# --- registering ----------------------------------------------------------------------------

def test_register_a_client_with_a_swedish_number(register, as_, people, session):
    sara = as_("sara")
    response = register(sara, quiet_hours="21:00-9:00", gender="woman", birth_year="1988",
                        bilingual="y", needs_interpreter="y")
    assert response.status_code == 302
    client = session.scalar(sa.select(Client).where(Client.first_name == "Amal"))
    assert client.phone == "+46701234567" and client.language == "ar"
    assert client.quiet_hours == "21:00-09:00" and client.birth_year == 1988
    assert client.bilingual and client.needs_interpreter and not client.fallback_english
    assert client.case_manager_id == people.sara.id
    assert response.headers["Location"].endswith(f"/staff/clients/{client.id}")
    page = html(sara.get(f"/staff/clients/{client.id}"))
    assert "070-123 45 67" in page  # whole on the client page
    assert "Kan kommunicera på lätt svenska, visst behov av tolk" in page
    [row] = audits(session, "client.add")
    assert row.target == f"client:{client.id}" and row.actor == people.sara.email
    assert "4670" not in str(row.detail)


def test_the_form_offers_languages_by_native_and_swedish_name(as_, people):
    page = html(as_("sara").get("/staff/clients/new"))
    assert "العربية – arabiska" in page and "ትግርኛ – tigrinja" in page
    assert "Stora begränsningar, behöver tolk" in page
    assert 'name="csrf_token"' in page


@pytest.mark.parametrize(("phone", "message"), [
    ("08-123 456 78", "Det är inte ett mobilnummer. SMS kan bara skickas till mobilnummer."),
    ("hej", "Det är inte ett telefonnummer."),
    ("070-12", "Numret finns inte."),
    ("", "Skriv klientens mobilnummer."),
])
def test_invalid_phone_numbers_are_refused_with_a_clear_message(register, as_, people, session,
                                                                phone, message):
    response = register(as_("sara"), phone=phone)
    assert response.status_code == 400
    assert message in html(response)
    assert session.scalar(sa.select(sa.func.count(Client.id))) == 0


def test_a_registered_number_is_refused_in_any_format(register, as_, caseload, session):
    response = register(as_("sara"), phone="+46 70 174 06 67")  # Amina's
    assert response.status_code == 400
    assert "Det finns redan en klient med det här numret." in html(response)
    assert "Amina" not in html(response).split("<main")[1]  # no hint whose it is


def test_every_problem_is_shown_at_once(register, as_, people):
    response = register(as_("sara"), phone="08-123 456 78", first_name="",
                        quiet_hours="sent", birth_year="1890")
    page = html(response)
    for message in ("Det är inte ett mobilnummer", "Skriv klientens förnamn.",
                    "Skriv tiderna som TT:MM-TT:MM", "Skriv ett födelseår mellan"):
        assert message in page
    assert 'aria-invalid="true"' in page


@pytest.mark.parametrize(("who", "assignee", "allowed"), [
    ("sara", "ali", True), ("sara", "eva", False), ("admin", "eva", True),
    ("sara", "nadia", False),
])
def test_case_manager_is_oneself_a_team_member_or_anyone_for_admins(register, as_, people, who,
                                                                   assignee, allowed):
    target = getattr(people, assignee)
    response = register(as_(who), case_manager_id=str(target.id))
    assert (response.status_code == 302) is allowed
    if not allowed:
        assert "Du kan bara välja dig själv eller en handläggare i ditt team." in html(response)


def test_english_ui_explains_in_english(register, as_, people):
    sara = as_("sara")
    sara.post("/account/language", {"language": "en", "back": "/staff/"},
              token_from="/account")
    response = register(sara, phone="08-123 456 78")
    assert "not a mobile number" in html(response)


# --- the client page and editing ------------------------------------------------------------

@pytest.mark.parametrize("path", ["", "/edit", "/pause", "/resume", "/stop", "/conversation",
                                  "/enrol", "/enrol/activity_checkin"])
def test_another_teams_client_is_not_found(as_, caseload, path):
    cecilia = caseload[2]
    sara = as_("sara")
    assert sara.get(f"/staff/clients/{cecilia.id}{path}").status_code == 404
    if path not in ("", "/conversation", "/enrol"):
        response = sara.post(f"/staff/clients/{cecilia.id}{path}", {}, token_from="/staff/")
        assert response.status_code == 404


def test_edit_saves_changed_fields_and_audits_their_names_only(as_, caseload, session,
                                                                people):
    amina = caseload[0]
    sara = as_("sara")
    page = html(sara.get(f"/staff/clients/{amina.id}/edit"))
    assert 'value="070-174 06 67"' in page
    response = sara.post(f"/staff/clients/{amina.id}/edit",
                         {**FORM, "phone": "0701740667", "first_name": "Amina",
                          "language": "fa", "swedish_level": "fluent",
                          "case_manager_id": str(people.sara.id)},
                         token_from=f"/staff/clients/{amina.id}/edit")
    assert response.status_code == 302
    session.expire_all()
    amina = session.get(Client, amina.id)
    assert amina.language == "fa" and amina.swedish_level.value == "fluent"
    [row] = audits(session, "client.edit")
    assert sorted(row.detail["changed"]) == ["language", "swedish_level"]


def test_edit_refuses_another_clients_number(as_, caseload, people):
    amina, bashir, _ = caseload
    response = as_("sara").post(f"/staff/clients/{amina.id}/edit",
                                {**FORM, "phone": bashir.phone, "first_name": "Amina",
                                 "case_manager_id": str(people.sara.id)},
                                token_from=f"/staff/clients/{amina.id}/edit")
    assert response.status_code == 400
    assert "Det finns redan en klient med det här numret." in html(response)


def test_a_new_case_manager_is_introduced_to_the_client(as_, caseload, session, people):
    amina = caseload[0]
    response = as_("sara").post(f"/staff/clients/{amina.id}/edit",
                                {**FORM, "phone": amina.phone, "first_name": "Amina",
                                 "case_manager_id": str(people.ali.id)},
                                token_from=f"/staff/clients/{amina.id}/edit")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Client, amina.id).case_manager_id == people.ali.id
    [row] = audits(session, "case.reassign")
    assert row.detail == {"from": people.sara.id, "to": people.ali.id}
    assert session.scalar(sa.select(Enrollment.id).where(
        Enrollment.client_id == amina.id, Enrollment.flow_id == "new_case_manager"))


# --- pause, resume, stop --------------------------------------------------------------------

def test_pause_and_resume_each_say_what_happens_and_are_audited(as_, caseload, session):
    amina = caseload[0]
    sara = as_("sara")
    page = html(sara.get(f"/staff/clients/{amina.id}/pause"))
    assert "Pausa meddelanden till Amina?" in page and "hoppas över" in page
    response = sara.post(f"/staff/clients/{amina.id}/pause", {},
                         token_from=f"/staff/clients/{amina.id}/pause")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(Client, amina.id).paused
    assert "Pausad" in html(sara.get(f"/staff/clients/{amina.id}"))
    sara.post(f"/staff/clients/{amina.id}/resume", {},
              token_from=f"/staff/clients/{amina.id}/resume")
    session.expire_all()
    assert not session.get(Client, amina.id).paused
    assert [len(audits(session, a)) for a in ("client.pause", "client.resume")] == [1, 1]


def test_stop_all_cancels_nudges_until_staff_resume(as_, caseload, session):
    amina = caseload[0]
    sara = as_("sara")
    page = html(sara.get(f"/staff/clients/{amina.id}/stop"))
    assert "Stoppa alla meddelanden till Amina?" in page and "1 planerad påminnelse" in page
    sara.post(f"/staff/clients/{amina.id}/stop", {}, token_from=f"/staff/clients/{amina.id}/stop")
    session.expire_all()
    amina = session.get(Client, amina.id)
    assert amina.status is ClientStatus.STOPPED and amina.stopped_by == "staff"
    assert session.scalar(sa.select(Enrollment.status).where(
        Enrollment.idempotency_key == "t-next")) is EnrollmentStatus.STOPPED
    assert "Stoppad av personal" in html(sara.get(f"/staff/clients/{amina.id}"))
    assert len(audits(session, "client.stop_all")) == 1
    sara.post(f"/staff/clients/{amina.id}/resume", {},
              token_from=f"/staff/clients/{amina.id}/resume")
    session.expire_all()
    assert session.get(Client, amina.id).status is ClientStatus.ACTIVE


def test_a_client_who_wrote_stopp_can_only_start_again_themselves(as_, caseload, session):
    amina = caseload[0]
    amina.status, amina.stopped_by = ClientStatus.STOPPED, "client"
    session.commit()
    sara = as_("sara")
    assert "Stoppad av klienten (STOPP)" in html(sara.get(f"/staff/clients/{amina.id}"))
    response = sara.post(f"/staff/clients/{amina.id}/resume", {},
                         token_from=f"/staff/clients/{amina.id}/resume", follow_redirects=True)
    assert "Bara klienten kan starta meddelandena igen" in html(response)
    session.expire_all()
    assert session.get(Client, amina.id).status is ClientStatus.STOPPED


def test_actions_need_a_csrf_token(as_, caseload):
    amina = caseload[0]
    assert as_("sara").client.post(f"/staff/clients/{amina.id}/stop").status_code == 400


def test_client_page_lists_upcoming_nudges_and_open_alerts(as_, caseload):
    amina = caseload[0]
    page = html(as_("sara").get(f"/staff/clients/{amina.id}"))
    assert "Uppföljning av aktivitet" in page and "Behöver hjälp" in page
    assert f"/staff/clients/{amina.id}/nudges/" in page
    assert "/staff/alerts#alert-" in page


def test_next_nudge_time_is_local(as_, caseload, session):
    amina = caseload[0]
    nudge = session.scalar(sa.select(Enrollment).where(Enrollment.idempotency_key == "t-next"))
    assert nudge.start_at + timedelta(hours=1) == datetime(2030, 3, 5, 15, 0, tzinfo=UTC)
    assert "15:00" in html(as_("sara").get(f"/staff/clients/{amina.id}"))


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_search_and_duplicates_on_each_database(register, as_, caseload, session):
    sara = as_("sara")
    assert ">Amina</a>" in html(sara.get("/staff/?q=AMI"))  # case-insensitive
    assert ">Amina</a>" in html(sara.get("/staff/?q=0667"))
    assert "Ingen klient matchar" in html(sara.get("/staff/?q=_"))
    assert register(sara).status_code == 302
    again = register(sara, first_name="Amal igen")
    assert again.status_code == 400 and "Det finns redan en klient" in html(again)
