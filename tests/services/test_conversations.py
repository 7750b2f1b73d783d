"""`conversations.apply`: the one place a turn's typed events become rows."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.engine import (
    AlertRaised,
    AnswerSaved,
    FlowEnded,
    LanguageChanged,
    OutMessage,
    State,
    Turn,
    WakeAt,
)
from bot.models import Alert, Fire, FireKind, FireStatus, Result
from bot.services import conversations, outbound
from tests.conftest import NOON

HELLO = OutMessage("activity_checkin.attended", "Hej {name}!", {"name": "Amina"})


def started(session, rt, client):
    enrollment = conversations.start_now(session, rt, client, "activity_checkin", NOON,
                                         by="test")
    session.flush()
    return enrollment


def test_a_language_change_applies_before_the_turns_messages(session, rt, make_client,
                                                             monkeypatch):
    """Even when the engine listed it after a message, as the old `effects` were applied."""
    client = make_client(language="sv")
    enrollment = started(session, rt, client)
    seen = []
    queue = outbound.queue
    monkeypatch.setattr(outbound, "queue", lambda db, rt, client, out, **kw: (
        seen.append(client.language), queue(db, rt, client, out, **kw))[1])
    turn = Turn(State(status="completed", seq=9),
                (HELLO, LanguageChanged("en"), FlowEnded("completed")))
    conversations.apply(session, rt, enrollment, turn, NOON)
    assert (seen, client.language) == (["en"], "en")


def test_each_event_becomes_its_row(session, rt, make_client):
    client = make_client(language="ar")
    enrollment = started(session, rt, client)
    due = NOON + timedelta(hours=4)
    answer = {"name": "attended", "value": "no", "text": "2"}
    turn = Turn(State(step="reason", status="waiting", awaiting="reply", wake_at=due, seq=2),
                (AnswerSaved("attended", "no", "2", "attended"), LanguageChanged("sv"),
                 AlertRaised("absence", "alert_absence", answer), WakeAt(due)))
    conversations.apply(session, rt, enrollment, turn, NOON, reply=True)
    session.flush()
    result = session.scalar(sa.select(Result))
    assert (result.question, result.category, result.text, result.language) == (
        "attended", "no", "2", "ar")  # the language the client answered in
    alert = session.scalar(sa.select(Alert).where(Alert.reason == "absence"))
    assert (alert.enrollment_id, alert.answer, alert.data, alert.note) == (
        enrollment.id, answer, {"step": "alert_absence"}, "")
    fires = session.scalars(sa.select(Fire).where(Fire.kind == FireKind.WAKE,
                                                  Fire.status == FireStatus.PENDING)).all()
    assert [(f.due_at.replace(tzinfo=due.tzinfo), f.seq) for f in fires] == [(due, 2)]
    ended = Turn(State(status="completed", seq=3), (FlowEnded("completed"),))
    conversations.apply(session, rt, enrollment, ended, NOON)
    session.flush()
    assert session.scalar(sa.select(sa.func.count(Fire.id)).where(
        Fire.enrollment_id == enrollment.id, Fire.status == FireStatus.PENDING)) == 0
