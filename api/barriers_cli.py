"""`flask --app api barriers import FILE --kind rail|major_road`: load what new trench crosses."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from api.context import app_context
from matching.rules import BARRIER_KINDS
from registry.barriers.files import read_file, store
from registry.db.uow import Actor
from registry.errors import RegistryError

barriers_cli = AppGroup(
    "barriers", help="Rail lines and major roads: the planner prices new trench across them."
)


@barriers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(BARRIER_KINDS), required=True, help="What they are.")
@click.option("--source", default="osm", show_default=True,
              help="Where they come from; a re-run updates features by (source, id).")  # fmt: skip
@click.option("--id-field", default=None,
              help="Property holding each feature's stable id (default: OSM's osm_type/osm_id, "
                   "else `id`).")  # fmt: skip
def import_barriers(file, kind, source, id_field):
    """Load every LineString of FILE (any GIS format; lon/lat or with a CRS) as barriers.

    All or nothing: a feature that is not a LineString, is empty or has no id fails the whole
    file, and nothing is written. Re-running the same file changes nothing.
    """
    ctx = app_context()
    try:
        items = read_file(file, kind, id_field)
        summary = store(ctx.session_factory, Actor.system("barriers-import"), source, items)
    except RegistryError as exc:
        raise click.ClickException(f"{file}: nothing imported: {exc.message}") from None
    click.echo(f"{kind} barriers from {file}: {summary.line()}")


def register(app: Flask) -> None:
    app.cli.add_command(barriers_cli)
