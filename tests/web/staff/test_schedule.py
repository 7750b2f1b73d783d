"""Enrolling a client with a schedule: the form, the preview (times, holidays, the first
message in the client's language, segments, the fallback warning), confirming, and
changing or cancelling nudges that have not started."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from bot.i18n.render import placeholders
from bot.models import AuditEvent, ClientStatus, Enrollment, EnrollmentStatus, Schedule
from bot.services import approvals
from bot.timeutil import holiday

CHECKIN = "activity_checkin"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
NEXT_YEAR = date.today().year + 1


def workday(days_ahead: int = 14) -> date:
    """A Monday-to-Friday date at least `days_ahead` away that is not a holiday."""
    day = date.today() + timedelta(days=days_ahead)
    while day.weekday() > 4 or holiday(day):
        day += timedelta(days=1)
    return day


def rows(**fields) -> dict[str, str]:
    """Empty offset rows, as a browser posts them."""
    data = {}
    for i in range(4):
        data.update({f"offsets-{i}-amount": "", f"offsets-{i}-unit": "h",
                     f"offsets-{i}-side": "-", f"offsets-{i}-clock": ""})
    data.update({"every": "1", "weeks": "", "rec_time": "", **fields})
    return data


def once(day: date, clock: str = "10:00", **extra) -> dict[str, str]:
    return rows(kind="once", once_date=day.isoformat(), once_time=clock, **extra)


@pytest.fixture
def amina(make_client):
    return make_client("Amina", "ar")


@pytest.fixture
def sara(as_):
    return as_("sara")


def post(browser, client, data, action="preview", flow=CHECKIN):
    path = f"/staff/clients/{client.id}/enrol/{flow}"
    return browser.post(path, {**data, "action": action}, token_from=path)


def text(response) -> str:
    return response.get_data(as_text=True)


def approve_flow(session, rt, flow_id: str, language: str = "ar") -> None:
    """An interpreter approves every text of a flow (placeholders kept)."""
    for key, source in rt.flow(flow_id).texts():
        names = " ".join(f"{{{name}}}" for name in placeholders(source))
        approvals.approve_translation(session, language, key, f"مرحبا {names}".strip(),
                                      flows=rt.flows.values(), by="nadia@example.se")
    session.commit()


def actions(session) -> list[str]:
    session.expire_all()
    return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- choosing a flow ------------------------------------------------------------------------

def test_flows_a_case_manager_can_schedule(sara, amina):
    page = text(sara.get(f"/staff/clients/{amina.id}/enrol"))
    for flow in ("activity_checkin", "meeting_reminder", "welcome", "activity_end"):
        assert f"/enrol/{flow}\"" in page  # the case manager's, and one from a date
    for flow in ("help", "language", "system", "unknown_number", "interpreter",
                 "new_case_manager", "exit_feedback"):  # the clients' and the system's own
        assert f"/enrol/{flow}\"" not in page
    assert "texter godkända på arabiska" in page


def test_a_keyword_flow_cannot_be_scheduled(sara, amina):
    assert sara.get(f"/staff/clients/{amina.id}/enrol/help").status_code == 404
    assert sara.get(f"/staff/clients/{amina.id}/enrol/nope").status_code == 404


@pytest.mark.parametrize(("stopped_by", "message"), [
    ("client", "har skrivit STOPP och vill inte ha SMS"),
    ("staff", "Återuppta meddelandena först"),
])
def test_a_stopped_client_cannot_be_enrolled_and_the_page_says_why(sara, amina, session,
                                                                     stopped_by, message):
    amina.status, amina.stopped_by = ClientStatus.STOPPED, stopped_by
    session.commit()
    for path in ("", f"/{CHECKIN}"):
        response = sara.get(f"/staff/clients/{amina.id}/enrol{path}")
        assert response.status_code == 409 and message in text(response)
    response = post(sara, amina, once(workday()), action="confirm")
    assert response.status_code == 409
    assert session.scalar(sa.select(sa.func.count(Schedule.id))) == 0


# --- the form and the preview ---------------------------------------------------------------

def test_the_form_starts_from_the_flows_default_timing(sara, amina):
    page = text(sara.get(f"/staff/clients/{amina.id}/enrol/meeting_reminder"))
    assert "Mötets tid" in page  # the flow's param is asked
    assert '<input checked id="kind-1" name="kind" type="radio" value="event">' in page
    assert 'name="offsets-0-amount" type="number" value="1"' in page
    assert '<input checked id="if_past_now" name="if_past_now" type="checkbox" value="y">' \
        in page  # the flow's default: a reminder booked late goes at once


def test_an_event_without_a_date_is_now(sara, amina):
    data = rows(kind="event", **{"offsets-0-amount": "3", "offsets-0-unit": "wd",
                                 "offsets-0-side": "+", "offsets-0-clock": "10:00"})
    page = text(post(sara, amina, data, flow="plan_step"))
    assert "3 arbetsdagar efter kl. 10:00" in page and "1 påminnelse" in page


def test_preview_without_an_approved_translation_warns_and_shows_easy_swedish(sara, amina):
    day = workday()
    response = post(sara, amina, once(day))
    assert response.status_code == 200
    page = text(response)
    assert "Ingen godkänd översättning till arabiska ännu." in page
    assert "Hej Amina! Var du med på din aktivitet i dag?" in page
    assert 'lang="sv" dir="ltr"' in page
    assert "GSM-7" in page and "1 SMS-del" in page
    assert "Bekräfta och schemalägg" in page


def test_preview_with_an_approved_translation_shows_it_right_to_left(sara, amina, session, rt):
    approve_flow(session, rt, CHECKIN)
    page = text(post(sara, amina, once(workday())))
    assert "Ingen godkänd översättning" not in page
    assert '<p lang="ar" dir="rtl">مرحبا Amina' in page
    assert "UCS-2" in page and "SMS-del" in page


def test_bilingual_clients_see_the_swedish_after_their_language(sara, make_client, session, rt):
    approve_flow(session, rt, CHECKIN)
    client = make_client("Bilal", "ar", bilingual=True)
    page = text(post(sara, client, once(workday())))
    assert page.index('lang="ar" dir="rtl"') < page.index('lang="sv" dir="ltr"')


def test_preview_writes_nothing_and_confirm_creates_the_schedule(sara, amina, session):
    day = workday()
    post(sara, amina, once(day))
    assert session.scalar(sa.select(sa.func.count(Schedule.id))) == 0
    response = post(sara, amina, once(day), action="confirm")
    assert response.status_code == 302
    session.expire_all()
    [nudge] = session.scalars(sa.select(Enrollment).where(Enrollment.client_id == amina.id))
    local = nudge.start_at.astimezone(STOCKHOLM)
    assert (local.date(), local.strftime("%H:%M")) == (day, "10:00")
    assert "schedule.create" in actions(session)
    page = text(sara.get(f"/staff/clients/{amina.id}"))
    assert "Uppföljning av aktivitet" in page and "10:00" in page


def test_christmas_is_moved_and_the_reason_shown(sara, amina):
    page = text(post(sara, amina, once(date(NEXT_YEAR, 12, 25))))
    assert "Juldagen är helgdag: flyttad till" in page
    assert f"23 dec. {NEXT_YEAR}" in page or "23 dec" in page  # Christmas Eve is a holiday too


CHECKED_TUESDAY = '<input checked id="weekdays-1" name="weekdays" type="checkbox" value="tue">'
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_a_recurring_series_over_christmas_skips_the_holidays(sara, amina):
    data = rows(kind="recurring", weekdays=EVERY_DAY, rec_time="15:00", weeks="1",
                start=f"{NEXT_YEAR}-12-22")
    page = text(post(sara, amina, data))
    for name in ("Julafton", "Juldagen", "Annandag jul"):
        assert f"{name} är helgdag: hoppas över." in page
    assert "4 påminnelser" in page  # the 22nd, 23rd, 27th and 28th


def test_sending_on_holidays_too_keeps_them(sara, amina):
    data = rows(kind="recurring", weekdays=EVERY_DAY, rec_time="15:00", weeks="1",
                start=f"{NEXT_YEAR}-12-22", holidays_too="y")
    page = text(post(sara, amina, data))
    assert "Juldagen är helgdag: skickas ändå, som du valt." in page
    assert "7 påminnelser" in page


def test_meeting_reminder_asks_for_the_meeting_and_plans_around_it(sara, amina):
    meeting = workday(21)
    data = rows(kind="event", p_meeting_at_date=meeting.isoformat(), p_meeting_at_time="13:00",
                **{"offsets-0-amount": "1", "offsets-0-unit": "d", "offsets-0-side": "-",
                   "offsets-0-clock": "09:00", "offsets-1-amount": "2",
                   "offsets-1-unit": "h", "offsets-1-side": "-"})
    response = post(sara, amina, data, flow="meeting_reminder")
    page = text(response)
    assert response.status_code == 200, page
    assert "dagen före kl. 09:00" in page or "1 dag före kl. 09:00" in page
    assert "2 timmar före" in page
    assert "2 påminnelser" in page


def test_a_missing_meeting_time_is_asked_for(sara, amina):
    data = rows(kind="event", **{"offsets-0-amount": "2", "offsets-0-unit": "h"})
    response = post(sara, amina, data, flow="meeting_reminder")
    assert response.status_code == 400
    assert "Fyll i både datum och klockslag." in text(response)


def test_a_time_that_does_not_exist_is_refused(sara, amina):
    # The last Sunday of March: Stockholm's clocks jump from 02:00 to 03:00.
    day = date(NEXT_YEAR, 3, 31)
    day -= timedelta(days=(day.weekday() + 1) % 7)
    response = post(sara, amina, once(day, "02:30"))
    assert response.status_code == 400
    assert "02:30 finns inte den dagen" in text(response)


def test_bad_input_is_shown_on_its_field(sara, amina):
    response = post(sara, amina, rows(kind="recurring", rec_time="", weeks="99"))
    page = text(response)
    assert response.status_code == 400
    assert "Välj minst en veckodag." in page and "Fyll i klockslag." in page


def test_a_past_time_cannot_be_confirmed(sara, amina, session):
    page = text(post(sara, amina, once(date.today() - timedelta(days=3))))
    assert "Tiden har redan passerat: hoppas över." in page
    assert "Bekräfta och schemalägg" not in page
    post(sara, amina, once(date.today() - timedelta(days=3)), action="confirm")
    assert session.scalar(sa.select(sa.func.count(Schedule.id))) == 0


def test_change_goes_back_to_the_filled_in_form(sara, amina):
    day = workday()
    page = text(post(sara, amina, once(day), action="change"))
    assert f'value="{day.isoformat()}"' in page and "Förhandsgranska" in page


# --- after confirming: edit and cancel ------------------------------------------------------

@pytest.fixture
def series(sara, amina, session):
    """Three weekly Tuesday check-ins, a few weeks ahead."""
    start = workday(21)
    start -= timedelta(days=start.weekday() - 1 if start.weekday() >= 1 else -1)
    data = rows(kind="recurring", weekdays=["tue"], rec_time="15:00", weeks="3",
                start=start.isoformat(), holidays_too="y")
    assert post(sara, amina, data, action="confirm").status_code == 302
    session.expire_all()
    return session.scalar(sa.select(Schedule).where(Schedule.client_id == amina.id))


def nudges(session, schedule) -> list[Enrollment]:
    session.expire_all()
    return list(session.scalars(sa.select(Enrollment).where(
        Enrollment.schedule_id == schedule.id).order_by(Enrollment.start_at)))


def test_move_one_nudge(sara, amina, series, session):
    first = nudges(session, series)[0]
    path = f"/staff/clients/{amina.id}/nudges/{first.id}/edit"
    assert "Ändra tid för en påminnelse" in text(sara.get(path))
    day = workday(60)
    response = sara.post(path, {"day": day.isoformat(), "clock": "11:30"}, token_from=path)
    assert response.status_code == 302
    session.expire_all()
    moved = session.get(Enrollment, first.id)
    assert f"{moved.start_at.astimezone(STOCKHOLM):%Y-%m-%d %H:%M}" == f"{day} 11:30"
    assert "enrollment.reschedule" in actions(session)


def test_a_nudge_cannot_move_into_the_past(sara, amina, series, session):
    first = nudges(session, series)[0]
    path = f"/staff/clients/{amina.id}/nudges/{first.id}/edit"
    yesterday = date.today() - timedelta(days=1)
    response = sara.post(path, {"day": yesterday.isoformat(), "clock": "11:30"},
                         token_from=path)
    assert response.status_code == 400
    assert "Den tiden har redan passerat." in text(response)


def test_a_started_nudge_cannot_be_changed(sara, amina, series, session):
    first = nudges(session, series)[0]
    first.status = EnrollmentStatus.WAITING
    session.commit()
    for what in ("edit", "cancel"):
        path = f"/staff/clients/{amina.id}/nudges/{first.id}/{what}"
        assert "har redan skickats eller avslutats" in text(sara.get(path))
        day = workday(60).isoformat()
        response = sara.post(path, {"day": day, "clock": "10:00"}, token_from="/staff/")
        assert response.status_code == 409


def test_cancel_one_nudge(sara, amina, series, session):
    first, second, third = nudges(session, series)
    path = f"/staff/clients/{amina.id}/nudges/{second.id}/cancel"
    assert "Avboka påminnelsen?" in text(sara.get(path))
    assert sara.post(path, {}, token_from=path).status_code == 302
    assert [n.status for n in nudges(session, series)] == [
        EnrollmentStatus.SCHEDULED, EnrollmentStatus.STOPPED, EnrollmentStatus.SCHEDULED]
    assert "enrollment.cancel" in actions(session)


def test_cancel_the_whole_schedule(sara, amina, series, session):
    path = f"/staff/clients/{amina.id}/schedules/{series.id}/cancel"
    assert "3 påminnelser som inte har skickats avbokas" in text(sara.get(path))
    assert sara.post(path, {}, token_from=path).status_code == 302
    assert {n.status for n in nudges(session, series)} == {EnrollmentStatus.STOPPED}
    assert "schedule.cancel" in actions(session)


def test_a_cancelled_schedule_cannot_be_edited(sara, amina, series):
    path = f"/staff/clients/{amina.id}/schedules/{series.id}/cancel"
    sara.post(path, {}, token_from=path)
    response = sara.get(f"/staff/clients/{amina.id}/schedules/{series.id}/edit",
                        follow_redirects=True)
    assert "Schemat är avbokat och kan inte ändras." in text(response)


def test_edit_the_whole_schedule(sara, amina, series, session):
    path = f"/staff/clients/{amina.id}/schedules/{series.id}/edit"
    page = text(sara.get(path))
    assert "Du ändrar ett schema." in page
    assert CHECKED_TUESDAY in page
    start = series.spec["start"]
    data = rows(kind="recurring", weekdays=["thu"], rec_time="16:00", weeks="2", start=start,
                holidays_too="y", action="confirm")
    assert sara.post(path, data, token_from=path).status_code == 302
    session.expire_all()
    assert session.get(Schedule, series.id).cancelled_at is not None
    assert "schedule.update" in actions(session)


def test_another_clients_nudge_or_schedule_is_not_found(sara, amina, series, session,
                                                        make_client, people):
    other = make_client("Cecilia", "sv", case_manager_id=people.eva.id)
    mine = make_client("Bo", "sv")
    first = nudges(session, series)[0]
    for path in (f"/staff/clients/{mine.id}/nudges/{first.id}/edit",
                 f"/staff/clients/{mine.id}/schedules/{series.id}/cancel",
                 f"/staff/clients/{other.id}/nudges/{first.id}/cancel",
                 f"/staff/clients/{amina.id}/nudges/999999/edit"):
        assert sara.get(path).status_code == 404, path


def test_times_are_shown_in_stockholm_time(sara, amina, series, session):
    first = nudges(session, series)[0]
    assert first.start_at.tzinfo is not None
    assert first.start_at.astimezone(UTC).hour in (13, 14)  # 15:00 CET / CEST
    assert "15:00" in text(sara.get(f"/staff/clients/{amina.id}"))


def test_a_paused_client_gets_a_warning_in_the_preview(sara, make_client):
    client = make_client("Pia", "sv", paused=True)
    page = text(post(sara, client, once(workday())))
    assert "Meddelandena till Pia är pausade" in page



def test_text_params_are_asked_and_shown_in_the_message(sara, amina):
    start = workday(10)
    data = rows(kind="event", p_start_at_date=start.isoformat(), p_start_at_time="09:30",
                p_place="", p_contact_person="<b>Kim</b>", also_now="y")
    response = post(sara, amina, data, flow="activity_start")
    assert response.status_code == 400
    assert "Fyll i det här fältet." in text(response)
    page = text(post(sara, amina, {**data, "p_place": "Arbetsförmedlingen, Storgatan 1"},
                     flow="activity_start"))
    sms = page[page.index('class="sms-preview"'):page.index("</figure>")]
    assert "Storgatan 1" in sms and "&lt;b&gt;Kim&lt;/b&gt;" in sms
    assert "<b>Kim" not in page
