"""Settings: safe local defaults, and production refuses to start unsafe."""

from __future__ import annotations

import pytest

from bot import create_app
from bot.config import ConfigError, check, from_environment

PRODUCTION = {
    "KNUFF_ENV": "production", "SECRET_KEY": "x" * 64, "TWILIO_ACCOUNT_SID": "AC1",
    "TWILIO_AUTH_TOKEN": "token", "TWILIO_FROM": "+46700000000",
    "PUBLIC_BASE_URL": "https://knuff.example.se",
}


def test_local_defaults_are_embedded(tmp_path):
    cfg = from_environment(str(tmp_path), env={})
    assert cfg["DATABASE_URL"] == f"sqlite:///{tmp_path}/knuff.sqlite3"
    assert (cfg["KNUFF_TIMEZONE"], cfg["KNUFF_QUIET_HOURS"]) == ("Europe/Stockholm",
                                                                 "20:00-08:00")
    check(cfg)  # development with defaults is fine


def test_a_complete_production_configuration_starts(tmp_path):
    check(from_environment(str(tmp_path), env=PRODUCTION))


@pytest.mark.parametrize("unset, named", [
    ("SECRET_KEY", "SECRET_KEY"),
    ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
    ("TWILIO_FROM", "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"),
    ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL"),
])
def test_production_refuses_to_start_and_says_what_to_set(tmp_path, unset, named):
    env = {k: v for k, v in PRODUCTION.items() if k != unset}
    with pytest.raises(ConfigError, match="will not start in production") as err:
        check(from_environment(str(tmp_path), env=env))
    assert named in str(err.value)


def test_the_default_secret_is_refused_in_production(tmp_path):
    env = {**PRODUCTION}
    del env["SECRET_KEY"]
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({**from_environment(str(tmp_path), env=env),
                    "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})


def test_an_unknown_time_zone_is_named(tmp_path):
    with pytest.raises(ConfigError, match="KNUFF_TIMEZONE='Europe/Stockhlom'"):
        check(from_environment(str(tmp_path), env={"KNUFF_TIMEZONE": "Europe/Stockhlom"}))


def test_bad_quiet_hours_stop_the_app(tmp_path):
    with pytest.raises(ValueError, match="25:00"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
                    "KNUFF_QUIET_HOURS": "25:00-08:00"})
