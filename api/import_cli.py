"""`flask --app api import FILE --owner ORG` and `flask --app api export --format F --out FILE`."""

from __future__ import annotations

import os
import time

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from api.context import app_context
from registry.db.uow import Actor
from registry.errors import RegistryError
from registry.interop.importers.mapping_file import load_mapping
from registry.interop.importers.report import ImportSummary, write_report_csv
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory.models import Organisation
from registry.inventory.vocabulary import Kind

SHOWN_REPORT_ROWS = 20
stderr = Console(stderr=True)


class RateColumn(ProgressColumn):
    """Features per second."""

    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} features/s" if speed else "", style="progress.data.speed")


def _owner_id(owner: str) -> int:
    with app_context().session_factory() as session:
        if owner.isdigit() and session.get(Organisation, int(owner)) is not None:
            return int(owner)
        found = session.scalar(sa.select(Organisation.id).where(Organisation.name == owner))
    if found is None:
        raise click.BadParameter(f"no organisation with id or name {owner!r}", param_hint="--owner")
    return found


def _progress() -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    )


def _show_report(summary: ImportSummary, report_path: str | None) -> None:
    for warning in summary.warnings:
        stderr.print(f"[yellow]warning:[/yellow] {warning}")
    for row in summary.report[:SHOWN_REPORT_ROWS]:
        where = f"line {row.line}" if row.line else f"feature {row.feature}"
        ref = f" ({row.owner_ref})" if row.owner_ref else ""
        stderr.print(f"  {where}{ref}: {row.field}: {row.reason}", markup=False, highlight=False)
    more = len(summary.report) - SHOWN_REPORT_ROWS
    if more > 0:
        stderr.print(f"  ... and {more} more" + ("" if report_path else " (save all: --report)"))
    if report_path:
        write_report_csv(summary.report, report_path)
        stderr.print(f"report: {len(summary.report)} rows saved to {report_path}")


def _in_a_folder(_ctx, _param, value):
    """A file to write: its folder must exist (checked before any work is done)."""
    if value is not None and not os.path.isdir(os.path.dirname(os.path.abspath(value))):
        folder = os.path.dirname(os.path.abspath(value))
        raise click.BadParameter(f"{folder} is not a folder: create it first")
    return value


@click.command("import")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--owner", required=True, help="The owner organisation: its id or exact name.")
@click.option("--kind", type=click.Choice([k.value for k in Kind]), help="Kind of every feature.")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False), help="Field mapping YAML.")
@click.option("--crs", help="Source CRS when the file declares none, e.g. EPSG:2039.")
@click.option("--dry-run", is_flag=True, help="Validate and count; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid features, report the rest.")
@click.option("--prune", is_flag=True, help="Delete the owner's assets the file does not list.")
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False),
    callback=_in_a_folder,
    help="Report CSV.",
)
@click.option(
    "--rebuild-spatial-index",
    is_flag=True,
    help="PostGIS: build the asset table's indexes (the spatial one among them) and check its "
    "owner key once after loading, whatever the file's size (a file at least as large as the "
    "table does so unasked); the table is locked, readers wait, until the import commits.",
)
def import_command(
    file, owner, kind, mapping, crs, dry_run, skip_invalid, prune, report_path,
    rebuild_spatial_index,
):  # fmt: skip
    """Import GeoJSON, CSV, GeoPackage, zipped Shapefile or KML: one transaction, idempotent."""
    try:
        options = ImportOptions(
            owner_id=_owner_id(owner),
            kind=kind,
            mapping=load_mapping(mapping),
            crs=crs,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            prune=prune,
            rebuild_spatial_index=rebuild_spatial_index,
        )
        with _progress() as progress:
            task = progress.add_task(f"importing {os.path.basename(file)}", total=None)

            def advance(n: int, total: int) -> None:
                progress.update(task, advance=n, total=total)

            summary = import_file(
                app_context().session_factory, Actor.system("import"), file, options, advance
            )
    except RegistryError as exc:
        raise click.ClickException(exc.message) from None
    _show_report(summary, report_path)
    rate = summary.features / summary.seconds if summary.seconds else 0
    click.echo(
        f"{file}: {summary.line()} ({summary.features} features in "
        f"{summary.seconds:.1f} s, {rate:,.0f}/s)"
    )
    if summary.rejected and not skip_invalid:  # refused (or, on a dry run, would be)
        raise SystemExit(1)


def _filter(options: dict):
    """The export filters, validated exactly as GET /api/v1/exports/assets.* validates them."""
    from marshmallow import ValidationError

    from api.exports.schemas import ExportQueryArgsSchema, asset_filter

    query = {k: v for k, v in options.items() if v not in (None, ())}
    try:
        return asset_filter(ExportQueryArgsSchema().load(query))
    except ValidationError as exc:
        named = [
            f"--{field.replace('_', '-')}: {'; '.join(map(str, problems))}"
            for field, problems in exc.messages.items()
        ]
        raise click.UsageError(f"invalid filter {'; '.join(named)}") from None


@click.command("export")
@with_appcontext
@click.option("--format", "fmt", type=click.Choice(["geojson", "csv", "gpkg"]), required=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False),
    callback=_in_a_folder,
    help="File to write.",
)
@click.option("--kind", multiple=True, help="Kind (repeatable, or comma-separated).")
@click.option("--owner-id", "owner_id", type=int, help="Only this owner's assets.")
@click.option("--sector", help="Only assets of owners in this sector.")
@click.option("--status", help="planned, in_service or decommissioned.")
@click.option("--bbox", help="minlon,minlat,maxlon,maxlat")
@click.option("--near", help="lon,lat (with --radius-m)")
@click.option("--radius-m", "radius_m", type=float, help="Radius in metres around --near.")
@click.option("--min-free", "min_free", help="resource:n, e.g. fiber_core:12")
@click.option("--limit", type=int, help="At most this many assets.")
def export_command(fmt, out, **filters):
    """Export assets as GeoJSON, CSV or GeoPackage, with the filters of GET /api/v1/assets."""
    from registry.interop.exporters import stream

    filters["kind"] = list(filters["kind"])
    f = _filter(filters)
    factory, actor = app_context().session_factory, Actor.system("export")
    started = time.monotonic()
    if fmt == "gpkg":
        if os.path.exists(out):
            os.unlink(out)
        stream.gpkg_file(factory, f, actor, path=out)
    else:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            for chunk in stream.text_chunks(fmt, factory, f, actor):
                fh.write(chunk)
    size = os.path.getsize(out)
    click.echo(f"exported to {out} ({size:,} bytes) in {time.monotonic() - started:.1f} s")


def register(app) -> None:
    """Attach `import` and `export` to the app's CLI."""
    app.cli.add_command(import_command)
    app.cli.add_command(export_command)
