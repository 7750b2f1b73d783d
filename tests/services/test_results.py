"""Answers as structured data: one Result row per saved answer, read back for staff."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from bot.models import Result
from bot.services import conversations, dispatch, inbound, results
from tests.conftest import NOON


def reply(session, rt, client, body, at=NOON):
    inbound.receive(session, rt, inbound.Inbound(f"SM{abs(hash((client.id, body, at)))}",
                                                 client.phone, body), at)
    session.commit()


def rows(session) -> list[tuple]:
    return [(r.flow_id, r.question, r.category, r.text, r.language)
            for r in session.scalars(sa.select(Result).order_by(Result.id))]


def test_a_chosen_answer_is_kept_with_what_the_client_wrote(session, rt, make_client):
    client = make_client(language="ar")
    enrollment = conversations.start_now(session, rt, client, "activity_checkin", NOON,
                                         by="test")
    session.commit()
    reply(session, rt, client, "٣")
    reply(session, rt, client, "1", at=NOON + timedelta(minutes=1))
    assert rows(session)[0] == ("activity_checkin", "attended", "no", "٣", "ar")
    assert rows(session)[1][:3] == ("activity_checkin", "reason", "sick")
    result = session.scalar(sa.select(Result))
    assert (result.client_id, result.enrollment_id, result.answered_at) == (
        client.id, enrollment.id, NOON)


def test_free_text_has_no_category(session, rt, make_client):
    client = make_client()
    conversations.start_now(session, rt, client, "motivation", NOON, by="test")
    session.commit()
    reply(session, rt, client, "4")
    reply(session, rt, client, "Min dotter hjälpte mig", at=NOON + timedelta(hours=1))
    assert rows(session) == [("motivation", "readiness", "4", "4", "sv"),
                             ("motivation", "helped", None, "Min dotter hjälpte mig", "sv")]


def test_a_reask_saves_nothing_and_a_second_miss_is_other(session, rt, make_client):
    client = make_client()
    conversations.start_now(session, rt, client, "activity_checkin", NOON, by="test")
    session.commit()
    reply(session, rt, client, "kanske")
    assert rows(session) == []
    reply(session, rt, client, "vet inte", at=NOON + timedelta(minutes=1))
    assert rows(session) == [("activity_checkin", "attended", "other", "vet inte", "sv")]


def test_a_timeout_is_not_an_answer(session, rt, make_client):
    client = make_client()
    conversations.enrol(session, rt, client, "activity_checkin", at=NOON, by="test")
    session.commit()
    dispatch.run_due(session, rt, NOON)
    dispatch.run_due(session, rt, NOON + timedelta(days=1))
    assert rows(session) == []


def test_a_language_answer_is_kept_in_the_language_it_was_written_in(session, rt,
                                                                     make_client):
    client = make_client(language="sv")
    reply(session, rt, client, "SPRÅK")
    reply(session, rt, client, "3", at=NOON + timedelta(minutes=1))
    assert client.language == "ar"
    assert rows(session) == [("language", "language", "ar", "3", "sv")]


def answers(session, client, *categories, start=NOON, step=timedelta(days=1)):
    for n, category in enumerate(categories):
        session.add(Result(client_id=client.id, flow_id="activity_checkin",
                           question="attended", category=category, text=category,
                           language="sv", answered_at=start + n * step))
    session.commit()


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_reading_answers_for_a_client_and_for_a_question(session, rt, make_client):
    amina, johan = make_client("Amina"), make_client("Johan")
    answers(session, amina, "yes", "no", "yes", "partly")
    answers(session, johan, "no", None)
    assert [r.category for r in results.for_client(session, amina)] == [
        "partly", "yes", "no", "yes"]
    assert len(results.for_client(session, amina, limit=2, flow_id="activity_checkin")) == 2
    assert results.for_client(session, amina, flow_id="motivation") == []
    assert results.counts(session, "activity_checkin", "attended") == {
        "yes": 2, "no": 2, "partly": 1, None: 1}
    assert results.counts(session, "activity_checkin", "attended", client_ids=[johan.id],
                          since=NOON + timedelta(hours=1)) == {None: 1}
    ordered = results.for_question(session, "activity_checkin", "attended",
                                   client_ids={amina.id}, until=NOON + timedelta(days=2))
    assert [r.category for r in ordered] == ["yes", "no"]


def test_answers_over_time_by_local_week_and_month(session, rt, make_client):
    client = make_client()
    answers(session, client, "yes", "no", "yes", "yes", "no", step=timedelta(days=3))
    weeks = results.over_time(session, "activity_checkin", "attended", tz=rt.tz)
    assert [(b.starts, b.counts, b.total) for b in weeks] == [
        (date(2026, 11, 23), {"yes": 1, "no": 1}, 2),  # Tue 24, Fri 27
        (date(2026, 11, 30), {"yes": 2, "no": 1}, 3),  # Mon 30, Thu 3, Sun 6
    ]
    months = results.over_time(session, "activity_checkin", "attended", tz=rt.tz,
                               period="month")
    assert [(b.starts, b.total) for b in months] == [(date(2026, 11, 1), 3),
                                                     (date(2026, 12, 1), 2)]
