"""What a client would receive, worked out without sending or storing anything.

The staff app shows it before a schedule is confirmed: the first turn of the flow at the
first planned time, each message in the language the send path would choose now (the
client's language only when every part is interpreter-approved, else easy Swedish), the
way `outbound.queue` puts it together, with its encoding and SMS segment count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy.orm as so

from bot.engine import FlowRunError, OutMessage, machine
from bot.i18n.languages import SOURCE
from bot.messaging.segments import SegmentCount
from bot.models import Client
from bot.services import approvals, conversations, outbound
from bot.services.runtime import Runtime


@dataclass(frozen=True)
class Block:
    """One language's text inside an SMS (bilingual mode sends two)."""

    text: str
    language: str


@dataclass(frozen=True)
class Preview:
    """One SMS as it would go out."""

    key: str
    blocks: list[Block]
    body: str
    language: str
    fallback_from: str | None  # the client's language, when it could not be used
    count: SegmentCount
    budget: int  # the segments the flow allows this text


@dataclass(frozen=True)
class FirstTurn:
    """The messages a flow's first turn sends, and how far the flow is translated into
    the client's language (None for Swedish)."""

    messages: list[Preview]
    coverage: approvals.StatusRow | None
    problem: str | None = None  # why nothing could be shown

    @property
    def fallback_from(self) -> str | None:
        """The client's language when some message would go in easy Swedish instead."""
        return next((m.fallback_from for m in self.messages if m.fallback_from), None)


def compose(db: so.Session, rt: Runtime, client: Client, out: OutMessage) -> Preview:
    """One message exactly as `outbound.queue` builds it (`outbound.compose`), with the
    SMS budget its flow allows."""
    composed = outbound.compose(db, rt, client, out)
    blocks = [Block(text, language) for text, language in composed.blocks]
    flow_id, _, step_id = out.key.partition(".")
    flow = rt.flows.get(flow_id)
    step = flow.step(step_id) if flow is not None and flow.has_step(step_id) else None
    budget = flow.budget(step if hasattr(step, "segments") else None) if flow else 1
    return Preview(out.key, blocks, composed.body, composed.language, composed.fallback_from,
                   composed.count, budget)


def first_turn(db: so.Session, rt: Runtime, client: Client, flow_id: str,
               params: dict[str, Any], at: datetime) -> FirstTurn:
    """What the client gets when the flow starts at `at` with `params` (stored form, as
    `schedules.preview` returns them)."""
    flow = rt.flow(flow_id)
    values = conversations.client_params(client)
    for name, kind in flow.params.items():
        value = params.get(name)
        values[name] = datetime.fromisoformat(value) if kind == "datetime" and value else value
    coverage = None
    if client.language != SOURCE:
        coverage = approvals.status(db, {flow.id: flow}, [client.language])[0]
    try:
        turn = machine.start(flow, at, values)
    except FlowRunError as exc:
        return FirstTurn([], coverage, str(exc))
    return FirstTurn([compose(db, rt, client, out) for out in turn.of(OutMessage)], coverage)
