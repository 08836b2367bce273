"""`flask --app api notify`: produce events and deliver webhooks, once or every N seconds."""

from __future__ import annotations

import logging
import time

import click
from flask import Flask
from flask.cli import with_appcontext

from api.context import app_context
from registry.notify.run import run_once

log = logging.getLogger(__name__)


@click.command("notify")
@click.option("--loop", is_flag=True, help="Keep running, one round every --interval seconds.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between rounds.")
@with_appcontext
def notify_command(loop, interval):
    """Project the audit log into inboxes, add time-based events (holds expiring within 3
    days, deadlines near or passed, planned dates reached) and deliver due webhooks, with
    retries and backoff. Run it from cron, or with --loop as a small service."""
    factory = app_context().session_factory
    while True:
        click.echo(run_once(factory).line())
        if not loop:
            return
        time.sleep(max(1.0, interval))


def register(app: Flask) -> None:
    app.cli.add_command(notify_command)
