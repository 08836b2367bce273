"""Command-line commands: `flask --app api db upgrade`, `seed demo`, and friends."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from api.context import app_context
from registry.db import migrate

db_cli = AppGroup("db", help="Database schema: upgrade, downgrade, current revision.")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision):
    """Apply migrations up to REVISION (default: newest)."""
    migrate.upgrade(app_context().engine, revision)
    click.echo(f"database at {migrate.current_revision(app_context().engine)}")


@db_cli.command("downgrade")
@click.option("--revision", default="base", show_default=True, help="Target revision.")
@click.option("--yes", is_flag=True, help="Confirm: downgrading to base deletes all data.")
def db_downgrade(revision, yes):
    """Revert migrations down to REVISION (default: base, an empty database)."""
    if revision == "base" and not yes:
        raise click.UsageError("downgrading to base deletes everything; add --yes to confirm")
    migrate.downgrade(app_context().engine, revision)
    click.echo(f"database at {migrate.current_revision(app_context().engine)}")


@db_cli.command("current")
def db_current():
    """Print the current revision."""
    click.echo(migrate.current_revision(app_context().engine) or "(empty database)")


def register(app: Flask) -> None:
    """Attach every command group to the app."""
    from api import audit_cli, backup_cli, barriers_cli, import_cli, tokens_cli, workflow_cli
    from api.seed_cli import seed_cli

    app.cli.add_command(db_cli)
    app.cli.add_command(seed_cli)
    tokens_cli.register(app)
    import_cli.register(app)
    workflow_cli.register(app)
    backup_cli.register(app)
    audit_cli.register(app)
    barriers_cli.register(app)
