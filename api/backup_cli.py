"""`flask --app api backup FILE` and `restore FILE --yes`: the whole registry, both backends."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from api.context import app_context
from registry.db import backup as service
from registry.errors import RegistryError
from registry.inventory.models import Asset
from registry.inventory.queries import registry_seq


def _summary() -> tuple[int, int]:
    with app_context().session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Asset)), registry_seq(session)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file):
    """Write a consistent backup of the whole registry to FILE (SQLite file or pg_dump)."""
    try:
        service.backup(app_context().engine, file)
    except RegistryError as exc:
        raise click.ClickException(exc.message) from None
    assets, seq = _summary()
    click.echo(f"backed up {assets} assets, change feed at seq {seq}, to {file}")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm: the database's contents are replaced.")
@with_appcontext
def restore_command(file, yes):
    """Replace the registry with the backup in FILE, then rebuild the index from it."""
    if not yes:
        raise click.UsageError("restoring replaces everything in the database; add --yes")
    context = app_context()
    try:
        service.restore(context.engine, file)
    except RegistryError as exc:
        raise click.ClickException(exc.message) from None
    assets, seq = _summary()
    context.matcher.index.build()  # this process's index; servers notice the feed went back
    click.echo(
        f"restored {assets} assets, change feed at seq {seq}; index rebuilt at seq "
        f"{context.matcher.index.seq}"
    )


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
