"""Settings from the environment, with safe defaults for a developer's laptop.

Names are a public interface (see DESIGN.md); production refuses unsafe defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SECRET = "dev-only-not-secret"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEND_THREADS = 4  # concurrent Twilio requests per worker (KNUFF_SEND_THREADS)


class ConfigError(RuntimeError):
    """The configuration is unsafe or invalid; the message says what to set."""


def from_environment(instance_path: str, env: dict[str, str] | None = None) -> dict:
    """Read Knuff's settings; anything unset gets a local-development default."""
    env = dict(os.environ if env is None else env)
    sqlite_path = Path(instance_path) / "knuff.sqlite3"
    return {
        "KNUFF_ENV": env.get("KNUFF_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{sqlite_path}"),
        "TWILIO_ACCOUNT_SID": env.get("TWILIO_ACCOUNT_SID", ""),
        "TWILIO_AUTH_TOKEN": env.get("TWILIO_AUTH_TOKEN", ""),
        "TWILIO_FROM": env.get("TWILIO_FROM", ""),
        "TWILIO_MESSAGING_SERVICE_SID": env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
        "TWILIO_API_BASE_URL": env.get("TWILIO_API_BASE_URL", ""),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "").rstrip("/"),
        "KNUFF_TIMEZONE": env.get("KNUFF_TIMEZONE", "Europe/Stockholm"),
        "KNUFF_QUIET_HOURS": env.get("KNUFF_QUIET_HOURS", "20:00-08:00"),
        "KNUFF_PROXY_HOPS": int(env.get("KNUFF_PROXY_HOPS", "0") or 0),
        "KNUFF_WORKER_INTERVAL": float(env.get("KNUFF_WORKER_INTERVAL", "0.5")),
        # Concurrent requests to Twilio per worker: at ~150 ms a request, one thread alone
        # could not keep up with a sender's 10 segments/s.
        "KNUFF_SEND_THREADS": int(env.get("KNUFF_SEND_THREADS", str(DEFAULT_SEND_THREADS))),
        # Shared store for the log-in rate limit when several web processes run, e.g.
        # redis://127.0.0.1:6379/0; memory:// counts per process.
        "KNUFF_RATELIMIT_STORAGE_URI": env.get("KNUFF_RATELIMIT_STORAGE_URI", "memory://"),
        # Staff sessions: cookie flags (Secure outside development) and one working day.
        "SESSION_COOKIE_SECURE": env.get("KNUFF_ENV", "development") == "production",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env.get("KNUFF_ENV", "development") == "production",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "FLOWS_DIR": env.get("KNUFF_FLOWS_DIR", str(ROOT / "flows")),
        "TRANSLATIONS_DIR": env.get("KNUFF_TRANSLATIONS_DIR", str(ROOT / "translations")),
    }


def check(config: dict) -> None:
    """Refuse a configuration that would be unsafe or cannot work."""
    try:
        ZoneInfo(config["KNUFF_TIMEZONE"])
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"KNUFF_TIMEZONE={config['KNUFF_TIMEZONE']!r} is not a known time zone "
            "(use a name like Europe/Stockholm)"
        ) from exc
    if not 1 <= config["KNUFF_SEND_THREADS"] <= 64:
        raise ConfigError("KNUFF_SEND_THREADS must be between 1 and 64")
    if config["KNUFF_ENV"] != "production":
        return
    missing = []
    if config["SECRET_KEY"] in ("", DEFAULT_SECRET):
        missing.append("SECRET_KEY (a long random string, e.g. `python -c "
                       "'import secrets; print(secrets.token_hex(32))'`)")
    if not (config["TWILIO_ACCOUNT_SID"] and config["TWILIO_AUTH_TOKEN"]):
        missing.append("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    if not (config["TWILIO_FROM"] or config["TWILIO_MESSAGING_SERVICE_SID"]):
        missing.append("TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
    if not config["PUBLIC_BASE_URL"]:
        missing.append("PUBLIC_BASE_URL (the https address Twilio calls, for signatures)")
    if missing:
        raise ConfigError(
            "Knuff will not start in production (KNUFF_ENV=production) until you set: "
            + "; ".join(missing)
        )
