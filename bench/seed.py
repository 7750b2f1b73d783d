"""Bulk seeding: many clients enrolled in real flows, their start fires due now.

Seeding goes through SQLAlchemy Core executemany (thousands of rows per statement) so a
100,000-nudge run spends its time in the benchmark, not in the set-up. The rows are what
`conversations.enrol` writes (a scheduled enrolment plus its start fire); getting clients
to "question sent, waiting for a reply" is left to the real worker (`ready_for_replies`).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from bot.messaging.senders import SendResult
from bot.models import (
    Client,
    ClientStatus,
    Enrollment,
    EnrollmentStatus,
    Fire,
    FireKind,
    FireStatus,
    Role,
    Staff,
    SwedishLevel,
    utcnow,
)

FLOWS = ("motivation", "activity_checkin")  # the weekly nudges, alternating per client
CHUNK = 5000


def phone(i: int) -> str:
    """The i-th benchmark client's number (+4670…, a Swedish mobile in E.164)."""
    return f"+4670{i:07d}"


def seed_nudges(engine: sa.Engine, count: int, *, due: datetime | None = None,
                start: int = 0) -> list[tuple[str, str]]:
    """Add `count` clients, each enrolled in one of FLOWS with its start fire due at `due`.

    Returns (phone, flow_id) per client, in order. Clients alternate flows; every fourth
    one prefers Arabic, so the language fallback is on the path too.
    """
    due = due or utcnow() - timedelta(minutes=1)
    now = utcnow()
    with engine.begin() as conn:
        manager = conn.scalar(sa.select(Staff.id).where(Staff.email == "bench@example.se"))
        if manager is None:
            manager = conn.execute(sa.insert(Staff.__table__).values(
                email="bench@example.se", first_name="Sara", role=Role.CASE_MANAGER,
                active=True, created_at=now).returning(Staff.__table__.c.id)).scalar_one()
    people = [(phone(i), FLOWS[i % len(FLOWS)]) for i in range(start, start + count)]
    for offset in range(0, count, CHUNK):
        _seed_chunk(engine, people[offset:offset + CHUNK], manager, due, now, start + offset)
    return people


def _seed_chunk(engine: sa.Engine, people: list[tuple[str, str]], manager: int,
                due: datetime, now: datetime, first: int) -> None:
    clients, enrollments, fires = Client.__table__, Enrollment.__table__, Fire.__table__
    with engine.begin() as conn:
        conn.execute(sa.insert(clients), [
            {"phone": number, "first_name": f"Klient{first + i}",
             "language": "ar" if (first + i) % 4 == 3 else "sv",
             "swedish_level": SwedishLevel.UNKNOWN, "bilingual": False,
             "status": ClientStatus.ACTIVE, "case_manager_id": manager,
             "created_at": now, "updated_at": now}
            for i, (number, _flow) in enumerate(people)
        ])
        ids = dict(conn.execute(sa.select(clients.c.phone, clients.c.id).where(
            clients.c.phone.in_([number for number, _ in people]))).all())
        keys = {f"bench:{ids[number]}:{flow}": (ids[number], flow) for number, flow in people}
        conn.execute(sa.insert(enrollments), [
            {"client_id": client_id, "flow_id": flow, "flow_version": 1,
             "status": EnrollmentStatus.SCHEDULED, "params": {}, "answers": {},
             "reasks": 0, "seq": 0, "start_at": due, "idempotency_key": key,
             "enrolled_by": "bench", "created_at": now, "updated_at": now}
            for key, (client_id, flow) in keys.items()
        ])
        enrolled = conn.execute(sa.select(enrollments.c.id).where(
            enrollments.c.idempotency_key.in_(list(keys)))).scalars().all()
        conn.execute(sa.insert(fires), [
            {"kind": FireKind.START, "enrollment_id": eid, "due_at": due, "seq": 0,
             "idempotency_key": f"start:{eid}:0", "status": FireStatus.PENDING,
             "attempts": 0, "created_at": now}
            for eid in enrolled
        ])


class NullSender:
    """Accepts every message at once; used only to reach the waiting state quickly."""

    def __init__(self) -> None:
        self.count = 0

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> SendResult:
        self.count += 1
        return SendResult(f"SMseed{uuid.uuid4().hex}", "queued")


def ready_for_replies(database_url: str, count: int, start: int = 0) -> list[tuple[str, str]]:
    """`count` clients whose first question went out through the real worker path.

    They are seeded as due nudges, then `bot.worker.tick` runs their start fires and
    "sends" the questions with a NullSender, so each client is WAITING for a reply exactly
    as in production.
    """
    from bench.common import make_app
    from bot import worker
    from bot.services.runtime import runtime

    app = make_app(database_url, SENDER=NullSender())
    engine = app.extensions["knuff.engine"]
    people = seed_nudges(engine, count, start=start)
    fires, sent = worker.tick(app)
    with app.app_context():
        assert runtime().sender.count == sent
    if fires != count or sent < count:  # earlier replies may still be in the outbox
        raise RuntimeError(f"seeding ran {fires} fires and sent {sent}, expected {count}")
    engine.dispose()
    return people
