"""Language is resolved when a message is sent: approved text only, else easy Swedish."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.models import Alert, Enrollment, Message
from bot.services import approvals, conversations, dispatch, inbound
from tests.conftest import NOON

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@pytest.fixture
def approve(session, rt):
    """Import the shipped drafts of a language and approve them, as an interpreter would."""

    def approve_language(language: str) -> None:
        po = TRANSLATIONS / language / "LC_MESSAGES" / "flows.po"
        approvals.import_po(session, po, language, flows=rt.flows.values())
        approvals.approve(session, language, flows=rt.flows.values(), by="Nadia (tolk)")
        session.commit()

    return approve_language


def check_in(session, rt, client):
    conversations.enrol(session, rt, client, "activity_checkin", at=NOON, by="test")
    session.commit()
    dispatch.run_due(session, rt, NOON)


def sent(session) -> list[Message]:
    session.expire_all()
    return session.scalars(sa.select(Message).where(Message.direction == "out")
                           .order_by(Message.id)).all()


def test_without_approval_the_client_gets_swedish_and_the_case_manager_is_told_once(
        session, rt, make_client):
    client = make_client(language="ar")
    check_in(session, rt, client)
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, "3"), NOON)
    session.commit()
    messages = sent(session)
    assert [(m.language, m.fallback_from) for m in messages] == [("sv", "ar"), ("sv", "ar")]
    assert messages[0].body.startswith("Hej Amina! Var du med")
    alerts = session.scalars(sa.select(Alert).where(Alert.reason == "fallback")).all()
    assert len(alerts) == 1 and alerts[0].answer == {"language": "ar"}


def test_approved_arabic_is_sent_in_arabic_and_arabic_words_are_understood(
        session, rt, make_client, approve):
    approve("ar")
    client = make_client(language="ar")
    check_in(session, rt, client)
    [question] = sent(session)
    assert (question.language, question.fallback_from, question.encoding) == ("ar", None,
                                                                              "UCS-2")
    assert question.body.splitlines()[0] == "مرحبا Amina! هل شاركت في نشاطك اليوم؟"
    assert question.body.splitlines()[2] == "2 جزئيا"
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, "شوي"), NOON)
    session.commit()
    enrollment = session.scalar(sa.select(Enrollment))
    assert enrollment.answers["attended"]["value"] == "partly"
    assert session.scalar(sa.select(Alert).where(Alert.reason == "fallback")) is None


def test_a_draft_is_never_sent(session, rt, make_client):
    po = TRANSLATIONS / "ar" / "LC_MESSAGES" / "flows.po"
    approvals.import_po(session, po, "ar", flows=rt.flows.values())  # fuzzy: drafts only
    session.commit()
    client = make_client(language="ar")
    check_in(session, rt, client)
    assert sent(session)[0].language == "sv"


def test_bilingual_mode_adds_the_easy_swedish_text(session, rt, make_client, approve):
    approve("so")
    client = make_client(language="so", bilingual=True)
    check_in(session, rt, client)
    somali, swedish = sent(session)[0].body.split("\n\n")
    assert somali.startswith("Amina") or "Amina" in somali.splitlines()[0]
    assert not somali.startswith("Hej")
    assert swedish.startswith("Hej Amina! Var du med på din aktivitet i dag?")
    assert sent(session)[0].language == "so"


def test_english_after_swedish_for_a_client_who_asked_for_it(session, rt, make_client,
                                                             approve):
    approve("en")
    client = make_client(language="ti", fallback_english=True)
    check_in(session, rt, client)
    swedish, english = sent(session)[0].body.split("\n\n")
    assert swedish.startswith("Hej Amina!")
    assert english.startswith("Hi Amina!")
    assert sent(session)[0].fallback_from == "ti"


def test_dates_are_written_for_the_clients_language(session, rt, make_client, approve):
    approve("ar")
    client = make_client(language="ar")
    conversations.enrol(session, rt, client, "meeting_reminder", at=NOON, by="test",
                        params={"meeting_at": "2026-11-25T14:00"})
    session.commit()
    dispatch.run_due(session, rt, NOON)
    body = sent(session)[0].body
    assert "الأربعاء" in body  # Wednesday, in Arabic
    assert "14:00" in body
    assert "\u00a0" not in body and "\u202f" not in body


def test_the_translated_label_itself_is_understood_as_an_answer(session, rt, make_client,
                                                                approve):
    approve("pl")
    client = make_client(language="pl")
    conversations.enrol(session, rt, client, "motivation", at=NOON, by="test")
    session.commit()
    dispatch.run_due(session, rt, NOON)
    label = sent(session)[0].body.splitlines()[2].split(" ", 1)[1]  # the line "2 …"
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, label.upper()), NOON)
    session.commit()
    assert session.scalar(sa.select(Enrollment)).answers["readiness"]["value"] == "2"


@pytest.mark.parametrize("language, reply", [("sv", "jo"), ("ar", "أجل"), ("fa", "آره"),
                                             ("uk", "так"), ("so", "haa")])
def test_any_yes_word_confirms_a_meeting(session, rt, make_client, approve, language, reply):
    if language != "sv":
        approve(language)
    client = make_client(language=language)
    conversations.enrol(session, rt, client, "meeting_reminder", at=NOON, by="test",
                        params={"meeting_at": "2026-11-25T14:00"})
    session.commit()
    dispatch.run_due(session, rt, NOON)
    inbound.receive(session, rt, inbound.Inbound("SM1", client.phone, reply), NOON)
    session.commit()
    assert session.scalar(sa.select(Enrollment)).answers["attending"]["value"] == "coming"
