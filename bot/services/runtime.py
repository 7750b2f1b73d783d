"""What services need from the app besides a database session: flows, clock rules, secrets."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from bot.flows.loader import load_library
from bot.flows.schema import Flow
from bot.messaging.quiet_hours import QuietHours
from bot.messaging.senders import Sender, make_sender


@dataclass
class Runtime:
    """Loaded once per process; shared by web requests and worker ticks."""

    flows: dict[str, Flow]
    quiet: QuietHours
    tz: ZoneInfo
    secret: str
    status_callback: str | None = None
    _sender: Sender | None = field(default=None, repr=False)
    sender_config: dict = field(default_factory=dict, repr=False)

    send_threads: int = 1
    _send_pool: ThreadPoolExecutor | None = field(default=None, repr=False)

    @property
    def sender(self) -> Sender:
        """The provider, created on first use (the web process never sends)."""
        if self._sender is None:
            self._sender = make_sender(self.sender_config)
        return self._sender

    @property
    def send_pool(self) -> ThreadPoolExecutor:
        """Threads that talk to the provider while the worker keeps the books."""
        if self._send_pool is None:
            self._send_pool = ThreadPoolExecutor(self.send_threads, "knuff-send")
        return self._send_pool

    def close(self) -> None:
        """Let in-flight sends finish and stop the send threads."""
        if self._send_pool is not None:
            self._send_pool.shutdown(wait=True)
            self._send_pool = None

    def flow(self, flow_id: str) -> Flow:
        try:
            return self.flows[flow_id]
        except KeyError:
            raise LookupError(
                f"unknown flow {flow_id!r}; known flows: {', '.join(sorted(self.flows))}"
            ) from None


def init_app(app: Flask) -> None:
    """Load flows and rules once; a broken flow stops the app with every problem listed."""
    cfg = app.config
    base = cfg["PUBLIC_BASE_URL"]
    app.extensions["knuff.runtime"] = Runtime(
        flows=load_library(cfg["FLOWS_DIR"]),
        quiet=QuietHours.parse(cfg["KNUFF_QUIET_HOURS"], cfg["KNUFF_TIMEZONE"]),
        tz=ZoneInfo(cfg["KNUFF_TIMEZONE"]),
        secret=cfg["SECRET_KEY"],
        status_callback=f"{base}/twilio/status" if base else None,
        _sender=cfg.get("SENDER"),
        send_threads=cfg["KNUFF_SEND_THREADS"],
        sender_config={k: v for k, v in cfg.items() if k.startswith("TWILIO_")},
    )


def runtime() -> Runtime:
    """The current app's runtime."""
    return current_app.extensions["knuff.runtime"]
