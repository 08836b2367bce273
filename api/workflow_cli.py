"""`flask --app api expire-holds`: mark lapsed share-request holds (and other holds) expired."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from api.context import app_context
from registry.db.uow import Actor, UnitOfWork
from registry.workflow.expiry import expire_lapsed


@click.command("expire-holds")
@with_appcontext
def expire_holds_command():
    """Mark every lapsed hold expired, with its share request. Safe to run at any time.

    Reads already treat a lapsed hold as free; this job records the transition (audit log
    and change feed) so that the history shows when each request expired. Run it from cron,
    e.g. every 10 minutes.
    """
    with UnitOfWork(app_context().session_factory, Actor.system("expire-holds")) as uow:
        requests, holds = expire_lapsed(uow)
    click.echo(f"expired {requests} share requests and {holds} other holds")


def register(app: Flask) -> None:
    app.cli.add_command(expire_holds_command)
