"""The conversation view: every message in and out, the flow answers as tables, what is
planned and what needs attention. Client texts are untrusted: the templates escape them
and isolate their direction (`client_text`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from bot import db
from bot.flows.schema import AskStep, Flow
from bot.i18n.render import PLACEHOLDER
from bot.models import Direction, Message, MessageStatus, Result, utcnow
from bot.services import conversations, results, schedules
from bot.services.runtime import runtime
from bot.web.security import client_for
from bot.web.staff import bp
from bot.web.staff.clients import open_alerts
from bot.web.staff.labels import MESSAGE_STATUS
from bot.web.ui_i18n import N_

PAGE = 200
OTHER = N_("Annat svar (gick inte att tolka)")
FREE_TEXT = N_("Fritt svar")


@dataclass(frozen=True)
class Answer:
    """One row of a flow's answer table."""

    question: str  # the question as the flow asks it (Swedish)
    category: str | None  # the category's label (Swedish, from the flow), or a UI text
    translate_category: bool  # True when `category` is one of the UI's own texts
    text: str | None  # what the client wrote
    language: str | None
    answered_at: datetime


@dataclass(frozen=True)
class FlowAnswers:
    flow_id: str
    title: str
    answers: list[Answer]


@bp.get("/clients/<int:client_id>/conversation")
def conversation(client_id: int):
    s = db.session()
    person = client_for(current_user, client_id)
    older = request.args.get("all") == "1"
    query = sa.select(Message).where(Message.client_id == person.id) \
        .order_by(Message.created_at.desc(), Message.id.desc())
    found = list(s.scalars(query if older else query.limit(PAGE + 1)))
    more = not older and len(found) > PAGE
    thread = list(reversed(found[:PAGE] if more else found))
    rt = runtime()
    names = conversations.client_params(person)
    return render_template(
        "staff/conversation.html", client=person, thread=thread, more=more, now=utcnow(),
        statuses=MESSAGE_STATUS, held=MessageStatus.QUEUED, incoming=Direction.IN,
        answers=answer_tables(rt.flows, results.for_client(s, person), names),
        nudges=schedules.nudges(s, client=person), flows=rt.flows,
        alerts=open_alerts(s, person))


def answer_tables(flows: dict[str, Flow], rows: list[Result], names: dict) -> list[FlowAnswers]:
    """A client's answers grouped per flow (newest flow first), labelled from the flow."""
    grouped: dict[str, list[Answer]] = {}
    for row in rows:
        grouped.setdefault(row.flow_id, []).append(_answer(flows.get(row.flow_id), row, names))
    return [FlowAnswers(flow_id, flows[flow_id].title if flow_id in flows else flow_id, found)
            for flow_id, found in grouped.items()]


def _answer(flow: Flow | None, row: Result, names: dict) -> Answer:
    step = next((s for s in flow.steps if isinstance(s, AskStep) and s.save_as == row.question),
                None) if flow else None
    question = _fill(step.text, names) if step else row.question
    label, ui = None, False
    if row.category is None:
        label, ui = FREE_TEXT, True
    elif step is not None and step.choices:
        choice = next((c for c in step.choices if c.value == row.category), None)
        label = _fill(choice.label, names) if choice else None
    if label is None:
        label, ui = (OTHER, True) if row.category == "other" else (row.category, False)
    return Answer(question, label, ui, row.text, row.language, row.answered_at)


def _fill(template: str, names: dict) -> str:
    """A flow text with the client's names in; other placeholders (dates) as "…"."""
    return PLACEHOLDER.sub(lambda m: str(names.get(m[1], "…")), template)
