"""The measured process of the dispatch benchmark: `python -m bench.sendproc MODE ...`.

`knuff` builds the app from the environment (as `python -m bot.worker` does), wraps its
real TwilioSender to count sends and sample this process's RSS at 10/50/100 % of the
expected total, then times `bot.worker.drain` (conversations and outbox side by side, as
the worker runs them) until every due nudge went out.
`baseline` posts the same form (To, From, Body, StatusCallback; basic auth) with
keep-alive `requests.Session`s, from as many threads as the worker has send threads
(KNUFF_SEND_THREADS), and reads the returned sid.
Both print one JSON line. Running them as fresh processes keeps the fake Twilio's CPU and
the parent's seeding allocations out of the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from bench.common import proc_memory_mb

MARKS = (0.1, 0.5, 1.0)


class SamplingSender:
    """Delegates to the real sender; records RSS when the count crosses each mark."""

    def __init__(self, inner: Any, expected: int) -> None:
        self.inner = inner
        self.lock = threading.Lock()  # the worker's send threads call in concurrently
        self.count = 0
        self.started = time.perf_counter()
        self.samples: list[dict[str, float]] = []
        self._marks = [(mark, max(1, round(expected * mark))) for mark in MARKS]

    def send(self, to: str, body: str, *, status_callback: str | None = None) -> Any:
        result = self.inner.send(to, body, status_callback=status_callback)
        with self.lock:
            self.count += 1
            if self._marks and self.count >= self._marks[0][1]:
                mark, _ = self._marks.pop(0)
                rss, hwm = proc_memory_mb()
                self.samples.append({"progress": mark, "sent": self.count, "rss_mb": rss,
                                     "hwm_mb": hwm,
                                     "seconds": time.perf_counter() - self.started})
        return result


def run_knuff(expected: int) -> dict[str, Any]:
    """Time `bot.worker.drain` over every due nudge, sampling RSS on the way."""
    from bot import create_app, worker

    app = create_app()
    rt = app.extensions["knuff.runtime"]
    sender = SamplingSender(rt.sender, expected)
    rt._sender = sender  # the runtime's one sender, so the worker's path is unchanged
    rss_start, _ = proc_memory_mb()
    started = time.perf_counter()
    sender.started = started
    _, fires, sent = worker.drain(app)
    elapsed = time.perf_counter() - started
    rss_end, hwm = proc_memory_mb()
    app.extensions["knuff.engine"].dispose()
    return {"fires": fires, "sent": sent, "provider_calls": sender.count, "seconds": elapsed,
            "rate": sent / elapsed, "rss_start_mb": rss_start, "rss_end_mb": rss_end,
            "peak_rss_mb": hwm, "samples": sender.samples}


def run_baseline(count: int, base_url: str, threads: int = 1) -> dict[str, Any]:
    """Post `count` messages with keep-alive `requests.Session`s: one after another, or
    from `threads` threads (one session each), as many as the worker's send threads."""
    sid, token = os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"]
    url = f"{base_url}/2010-04-01/Accounts/{sid}/Messages.json"
    callback = os.environ["PUBLIC_BASE_URL"] + "/twilio/status"
    local = threading.local()
    sessions: list[requests.Session] = []

    def post(i: int) -> bool:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.auth = (sid, token)
            sessions.append(local.session)
        response = local.session.post(url, data={
            "To": f"+4670{i:07d}", "From": os.environ["TWILIO_FROM"],
            "Body": f"Hej Klient{i}! Hur redo känner du dig för nästa steg? Svara 1 till 5.",
            "StatusCallback": callback,
        })
        return response.status_code == 201 and bool(response.json()["sid"])

    started = time.perf_counter()
    if threads == 1:
        ok = sum(post(i) for i in range(count))
    else:
        with ThreadPoolExecutor(threads) as pool:
            ok = sum(pool.map(post, range(count)))
    elapsed = time.perf_counter() - started
    for session in sessions:
        session.close()
    return {"sent": ok, "seconds": elapsed, "rate": ok / elapsed,
            "peak_rss_mb": proc_memory_mb()[1]}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["knuff", "baseline"])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--fake-url", default=os.environ.get("TWILIO_API_BASE_URL"))
    parser.add_argument("--threads", type=int, default=int(os.environ["KNUFF_SEND_THREADS"]))
    args = parser.parse_args(argv)
    if args.mode == "knuff":
        result = run_knuff(args.count)
    else:
        result = run_baseline(args.count, args.fake_url, args.threads)
    sys.stdout.write("BENCH_JSON " + json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
