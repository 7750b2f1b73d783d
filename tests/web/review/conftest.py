"""Helpers for the interpreters' pages: real flows, texts picked by what they contain
(the number of flows and texts grows; nothing here counts them by hand)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from bot.flows.catalog import flow_entries
from bot.models import AuditEvent, Translation


@pytest.fixture
def nadia(as_):
    """The interpreter, logged in."""
    return as_("nadia")


@pytest.fixture
def entries(rt):
    """flow id -> [(key, Swedish source)] of every flow the app runs."""
    return {fid: [(e.key, e.source) for e in flow_entries(flow)]
            for fid, flow in sorted(rt.flows.items())}


@pytest.fixture
def with_name(entries):
    """(flow id, key, source) of the first message that greets the client by {name}."""
    for fid, texts in entries.items():
        for key, source in texts:
            if "{name}" in source and ".choice." not in key:
                return fid, key, source
    raise AssertionError("no flow text has {name}")


def act(browser, code: str, flow: str, key: str, action: str, text: str = "",
        comment: str = "", **extra):
    """Press a button on one text of a flow page."""
    path = f"/review/{code}/{flow}/"
    return browser.post(path, {"key": key, "action": action, "text": text,
                               "comment": comment, **extra}, token_from=path)


def rows(session) -> dict[tuple[str, str], Translation]:
    session.expire_all()
    return {(r.language, r.key): r for r in session.scalars(sa.select(Translation))}


def audits(session) -> list[tuple[str, str | None]]:
    session.expire_all()
    return [(a.action, a.target) for a in
            session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))
            if a.action.startswith("translation")]


def page(response) -> str:
    return response.get_data(as_text=True)


def card(html: str, key: str) -> str:
    """The HTML of one text's card on a flow page."""
    anchor = "t-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)
    match = re.search(rf'<article[^>]* id="{anchor}".*?</article>', html, re.S)
    assert match, f"no card for {key}"
    return match.group(0)
