"""Operator commands under `flask --app bot …`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from bot.cli import data, demo, translations_cmd
    from bot.cli.flows_cmd import flows_cli
    from bot.cli.schedule_cmd import schedule_cli

    app.cli.add_command(data.db_cli)
    app.cli.add_command(data.clients_cli)
    app.cli.add_command(data.enrol_command)
    app.cli.add_command(data.create_staff_command)
    app.cli.add_command(demo.seed_demo_command)
    app.cli.add_command(flows_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(translations_cmd.translations_cli)
