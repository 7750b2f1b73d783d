"""Where the time goes: cProfile of the webhook request and of the per-nudge dispatch.

`python -m bench --profile` runs both in-process (no gunicorn, no wrk) on a fresh SQLite
database and prints the top functions by cumulative and by own time, plus a per-request
SQL statement count, so a failing ratio comes with the hotspot that explains it.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from bench.common import AUTH_TOKEN, PUBLIC_BASE_URL, make_app
from bench.seed import NullSender, ready_for_replies, seed_nudges
from bench.webhook import FIRST


def _top(profile: cProfile.Profile, sort: str, limit: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if "ncalls" in line)
    return "\n".join(lines[start:start + limit + 1])


class _Counter:
    """Counts SQL statements executed on an engine (before_cursor_execute)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args: Any) -> None:
        self.count += 1


def profile_webhook(database_url: str, requests: int = 400, limit: int = 25) -> dict[str, Any]:
    """Profile `requests` signed replies through the Flask test client (the app's own cost)."""
    people = ready_for_replies(database_url, requests)
    app = make_app(database_url, SENDER=NullSender())
    counter = _Counter(app.extensions["knuff.engine"])
    client = app.test_client()
    validator = RequestValidator(AUTH_TOKEN)
    url = f"{PUBLIC_BASE_URL}/twilio/sms"
    forms = [{"MessageSid": f"SMprof{i:028d}", "From": number, "To": "+46700000000",
              "Body": FIRST[flow][0], "AccountSid": "AC"} for i, (number, flow) in
             enumerate(people)]
    signed = [(form, validator.compute_signature(url, form)) for form in forms]
    for form, sig in signed[:20]:  # warm caches outside the profile
        client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": sig},
                    base_url=PUBLIC_BASE_URL)
    statements = counter.count
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    for form, sig in signed[20:]:
        response = client.post("/twilio/sms", data=form, headers={"X-Twilio-Signature": sig},
                               base_url=PUBLIC_BASE_URL)
        assert response.status_code == 200, response.status_code
    profile.disable()
    elapsed = time.perf_counter() - started
    done = requests - 20
    app.extensions["knuff.engine"].dispose()
    return {"requests": done, "ms_per_request_profiled": elapsed / done * 1e3,
            "sql_per_request": (counter.count - statements) / done,
            "cumulative": _top(profile, "cumulative", limit),
            "tottime": _top(profile, "tottime", limit)}


def profile_dispatch(database_url: str, nudges: int = 1000, limit: int = 25) -> dict[str, Any]:
    """Profile `bot.worker.tick` running `nudges` start fires with a NullSender.

    The sender does no I/O here, so this is Knuff's own cost per nudge; the HTTP cost of
    the real SDK shows up in the dispatch benchmark's ratio instead.
    """
    from bot import worker

    app = make_app(database_url, SENDER=NullSender())
    engine = app.extensions["knuff.engine"]
    seed_nudges(engine, nudges)
    counter = _Counter(engine)
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    fires, sent = worker.tick(app)
    profile.disable()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {"nudges": sent, "fires": fires, "ms_per_nudge_profiled": elapsed / sent * 1e3,
            "sql_per_nudge": counter.count / sent,
            "cumulative": _top(profile, "cumulative", limit),
            "tottime": _top(profile, "tottime", limit)}


def run(work: Path, quick: bool) -> dict[str, Any]:
    """Both profiles on fresh SQLite files in `work`."""
    size = 200 if quick else 600
    return {
        "webhook": profile_webhook(f"sqlite:///{work / 'profile-webhook.sqlite3'}", size),
        "dispatch": profile_dispatch(f"sqlite:///{work / 'profile-dispatch.sqlite3'}",
                                     size * 2),
    }
