"""The staff app's preview is the message the send path makes: same language, same
blocks, same segments, for every combination of the client's message settings."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.engine import OutMessage, machine
from bot.models import Message
from bot.services import approvals, conversations, outbound, previews
from tests.conftest import NOON

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@pytest.fixture
def approve_english(session, rt):
    po = TRANSLATIONS / "en" / "LC_MESSAGES" / "flows.po"
    approvals.import_po(session, po, "en", flows=rt.flows.values())
    approvals.approve(session, "en", flows=rt.flows.values(), by="Nadia (tolk)")
    session.commit()


@pytest.mark.parametrize(("language", "bilingual", "fallback_english"), [
    ("sv", False, False), ("ar", False, False), ("ar", False, True), ("en", True, False),
    ("ar", True, True),
])
def test_preview_equals_what_the_outbound_path_queues(session, rt, make_client,
                                                      approve_english, language, bilingual,
                                                      fallback_english):
    client = make_client(language=language, bilingual=bilingual,
                         fallback_english=fallback_english)
    flow = rt.flow("activity_checkin")
    [out] = machine.start(flow, NOON, conversations.client_params(client)).of(OutMessage)
    shown = previews.compose(session, rt, client, out)
    queued = outbound.queue(session, rt, client, out, now=NOON)
    session.flush()
    assert shown.body == queued.body
    assert (shown.language, shown.fallback_from) == (queued.language, queued.fallback_from)
    assert (shown.count.encoding, shown.count.segments) == (queued.encoding, queued.segments)
    session.rollback()


def test_first_turn_writes_nothing_and_reports_coverage(session, rt, make_client):
    client = make_client(language="ar")
    turn = previews.first_turn(session, rt, client, "welcome", {}, NOON)
    assert [m.key for m in turn.messages] == ["welcome.hello", "welcome.how_to_answer",
                                              "welcome.language_ok"]
    assert turn.fallback_from == "ar"
    assert turn.coverage.approved == 0 and turn.coverage.total > 0
    assert session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_a_datetime_param_is_formatted_in_the_message(session, rt, make_client):
    client = make_client(language="sv")
    turn = previews.first_turn(session, rt, client, "meeting_reminder",
                               {"meeting_at": "2026-12-03T13:00:00+01:00"}, NOON)
    assert "klockan 13:00" in turn.messages[0].body
    assert turn.coverage is None  # Swedish is the source
