"""`flask --app api audit`: the avoidable-build audit of planned sites, on Dask."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
from flask.cli import with_appcontext
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from api.context import app_context
from matching import rules
from matching.requests import MAX_CORRIDOR_M, MAX_LIMIT, MAX_RADIUS_M
from registry.batch import audit, output, plans, route_plans
from registry.batch.snapshot import snapshot_index
from registry.batch.snapshot_lines import snapshot_index_lines
from registry.errors import ValidationFailed

stderr = Console(stderr=True)


def _metres(most: float | None = None) -> click.FloatRange:
    """More than 0 (and at most `most`) metres: checked here, so that a bad option is not
    blamed on the first plan of the file."""
    return click.FloatRange(0, most, min_open=True)


def _needs(text: str, routes: bool) -> dict[str, int]:
    """ "antenna_mount=1,attachment=2" as a dict, of the resources sites (or routes) need."""
    allowed = sorted(map(str, rules.ROUTE_RESOURCES if routes else rules.SITE_RESOURCES))
    needs = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, units = (s.strip() for s in part.partition("="))
        if name not in allowed or not units.isdigit() or int(units) < 1:
            fix = f"write RESOURCE=UNITS, RESOURCE one of {', '.join(allowed)} and UNITS at least 1"
            raise click.BadParameter(f"{part!r}: {fix}", param_hint="--needs")
        needs[name] = int(units)
    return needs


@click.command("audit")
@click.option(
    "--planned",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Planned sites: CSV (id, lon, lat[, radius_m, min_height_m]) or GeoJSON points; "
    "planned routes: GeoJSON LineStrings (properties id, corridor_m, needs).",
)
@click.option("--build-requests", is_flag=True, help="Audit every site build request instead.")
@click.option(
    "--routes", is_flag=True, help="With --build-requests: audit the route build requests."
)
@click.option(
    "--scheduler", help="Dask scheduler address (tcp://host:8786); default: a LocalCluster."
)
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(1), help="LocalCluster workers."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("audit"),
    show_default=True,
    help="Directory for plans, candidates and summary.json.",
)
@click.option(
    "--format", "fmt", type=click.Choice(output.FORMATS), default="csv", show_default=True
)
@click.option(
    "--needs",
    help="Needs of plans that do not give their own "
    "(default: antenna_mount=1 for sites, fiber_core=1 for routes).",
)
@click.option(
    "--radius",
    default=500.0,
    show_default=True,
    type=_metres(MAX_RADIUS_M),
    help="Search radius in metres.",
)
@click.option(
    "--corridor",
    default=50.0,
    show_default=True,
    type=_metres(MAX_CORRIDOR_M),
    help="Route corridor in metres.",
)
@click.option("--min-height", type=_metres(), help="Minimum mount height in metres.")
@click.option(
    "--top",
    default=3,
    show_default=True,
    type=click.IntRange(1, MAX_LIMIT),
    help="Best candidates kept per plan.",
)
@click.option(
    "--tile-deg",
    type=click.FloatRange(0, min_open=True),
    help="Tile size in degrees (default: ~20 k plans a tile).",
)
@click.option(
    "--snapshot",
    type=click.Path(dir_okay=False, path_type=Path),
    help="GeoParquet snapshot the workers read (default: written to a temporary file; "
    "give a path on a disk every worker can read when --scheduler is remote).",
)
@click.option("--single-process", is_flag=True, help="Run in this process, without Dask.")
@click.option("--threads", is_flag=True, help="LocalCluster workers as threads of this process.")
@with_appcontext
def audit_command(planned, build_requests, routes, scheduler, workers, out, fmt, needs,
                  radius, corridor, min_height, top, tile_deg, snapshot, single_process,
                  threads):  # fmt: skip
    """Match every planned site or route against the registry: who could share instead of
    building."""
    if bool(planned) == bool(build_requests):
        raise click.UsageError("give exactly one of --planned FILE or --build-requests")
    if snapshot is not None and not snapshot.parent.is_dir():
        raise click.BadParameter(f"{snapshot.parent} is not a folder: create it first",
                                 param_hint="--snapshot")  # fmt: skip
    ctx = app_context()
    routes = routes or bool(planned and route_plans.is_routes_file(planned))
    found = _plans(ctx, planned, routes, needs, radius, corridor, min_height, top)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        path = snapshot or Path(scratch) / "registry.parquet"
        write = snapshot_index_lines if routes else snapshot_index
        rows = write(ctx.matcher.index, path)
        family = "line" if routes else "point"
        stderr.print(f"registry snapshot: {rows:,} {family} assets → {path}")
        if single_process:
            result = audit.run_single(found, path, ctx.config["MATCH_COSTS"], top)
        else:
            options = {"scheduler": scheduler, "workers": workers, "processes": not threads,
                       "tile_deg": tile_deg, "top": top}  # fmt: skip
            result = _on_dask(found, path, ctx.config["MATCH_COSTS"], options)
    paths = output.write(result, out, fmt)
    took = f"{time.perf_counter() - started:.1f} s; wrote {', '.join(map(str, paths))}"
    click.echo(f"{_sentence(result.summary, routes)}; {took}")


def _plans(ctx, planned, routes: bool, needs, radius, corridor, min_height, top):
    """The planned sites or routes, from the file or the build requests."""
    wanted = _needs(needs or ("fiber_core=1" if routes else "antenna_mount=1"), routes)
    try:
        if planned and routes:
            return route_plans.from_file(planned, wanted, corridor, top)
        if planned:
            return plans.from_file(planned, wanted, radius, min_height, top)
        with ctx.session_factory() as session:
            if routes:
                return route_plans.from_build_requests(session, corridor, top)
            return plans.from_build_requests(session, radius, top)
    except ValidationFailed as exc:
        raise click.BadParameter(str(exc), param_hint="--planned") from None


def _sentence(s: dict, routes: bool) -> str:
    money = f"{s['money_avoidable']:,.0f} {s['currency']} avoidable"
    if not routes:
        return (f"{s['plans']:,} planned sites: {s['could_share']:,} could share "
                f"({s['share_ratio']:.1%}), {money}")  # fmt: skip
    return (
        f"{s['plans']:,} planned routes: {s['could_share']:,} could share "
        f"({s['share_ratio']:.1%}) and {s.get('could_partly_share', 0):,} partly, "
        f"{s['trench_m_avoidable']:,.0f} m of trench and {money}"
    )


def _on_dask(found, path, costs, options: dict):
    with Progress(TextColumn("audit"), BarColumn(), MofNCompleteColumn(), TextColumn("tiles"),
                  TimeElapsedColumn(), console=stderr) as bar:  # fmt: skip
        task = bar.add_task("audit", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return audit.run_dask(found, path, costs, progress=progress, **options)


def register(app) -> None:
    """Attach `audit` to the app's CLI."""
    app.cli.add_command(audit_command)
