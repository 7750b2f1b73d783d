"""Client keywords start their flows: FRÅNVARO the absence report, TOLK the interpreter."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.models import Alert, Enrollment, EnrollmentStatus, Message
from bot.services import conversations, inbound
from tests.conftest import NOON


def receive(session, rt, client, body, sid="SM1"):
    outcome = inbound.receive(session, rt, inbound.Inbound(sid, client.phone, body), NOON)
    session.commit()
    return outcome


def flows_started(session) -> list[str]:
    return list(session.scalars(sa.select(Enrollment.flow_id).order_by(Enrollment.id)))


@pytest.mark.parametrize(("language", "word"), [
    ("sv", "FRÅNVARO"), ("sv", "frånvaro"), ("sv", "franvaro"), ("sv", "Borta!"),
    ("ar", "ABSENT"), ("ar", "غياب"), ("so", "maqan"), ("uk", "відсутність"),
    ("pl", "nieobecnosc"),
])
def test_the_absence_keyword_starts_the_absence_report(session, rt, make_client, language,
                                                       word):
    client = make_client(language=language)
    assert receive(session, rt, client, word) == "absence"
    assert flows_started(session) == ["absence"]
    assert session.scalar(sa.select(Enrollment)).status is EnrollmentStatus.WAITING


def test_a_keyword_counts_only_as_the_whole_message(session, rt, make_client):
    client = make_client()
    assert receive(session, rt, client, "Jag är borta i dag") == "unprompted"
    assert flows_started(session) == []


def test_the_absence_report_reaches_the_case_manager_with_a_category(session, rt,
                                                                     make_client):
    client = make_client()
    receive(session, rt, client, "FRÅNVARO")
    assert receive(session, rt, client, "2", sid="SM2") == "reply"
    alert = session.scalar(sa.select(Alert))
    assert alert.answer["value"] == "childcare"


def test_absence_without_its_flow_still_reaches_the_case_manager(session, rt, make_client,
                                                                 monkeypatch):
    monkeypatch.delitem(rt.flows, "absence")
    client = make_client()
    assert receive(session, rt, client, "BORTA") == "absence"
    assert session.scalar(sa.select(Alert.reason)) == "absence"
    assert session.scalar(sa.select(sa.func.count()).select_from(Message)
                          .where(Message.direction == "out")) == 1


def test_tolk_does_not_close_the_question_the_client_is_answering(session, rt, make_client):
    client = make_client()
    checkin = conversations.start_now(session, rt, client, "activity_checkin", NOON, by="test")
    session.commit()
    assert receive(session, rt, client, "TOLK") == "interpreter"
    assert checkin.status is EnrollmentStatus.WAITING
    assert receive(session, rt, client, "1", sid="SM2") == "reply"
    assert checkin.answers["attended"]["value"] == "yes"


def test_a_keyword_flow_is_found_by_its_trigger(rt):
    assert inbound.keyword_flow(rt, "absence") == "absence"
    assert inbound.keyword_flow(rt, "help") == "help"
    assert inbound.keyword_flow(rt, "stop") is None
