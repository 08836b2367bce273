"""`flask --app api seed demo|liechtenstein`: load demo or real open data, idempotently."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from api.context import app_context
from registry.barriers.files import read_features, read_file, store
from registry.db.uow import Actor
from registry.interop import seeding
from registry.inventory.models import Asset
from registry.notify.run import run_once

seed_cli = AppGroup("seed", help="Load the demo city or real OpenStreetMap data.")


def _run(orgs, features, total: int | None, label: str) -> None:
    ctx = app_context()
    columns = [
        *Progress.get_default_columns()[:1],
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, transient=True) as progress:
        task = progress.add_task(label, total=total)
        summary = seeding.load(
            ctx.session_factory,
            Actor.system("seed"),
            orgs,
            features,
            progress=lambda n: progress.advance(task, n),
        )
    click.echo(f"{label}: {summary.line()}")


def _barriers(source: str, items_by_kind: dict) -> None:
    """Load checked barriers per kind (rail lines, major roads) under `source`."""
    ctx = app_context()
    for kind, items in items_by_kind.items():
        summary = store(ctx.session_factory, Actor.system("seed"), source, items)
        click.echo(f"{kind} barriers: {summary.line()}")


def _registry_is_empty() -> bool:
    with app_context().session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 0


@seed_cli.command("demo")
@click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed.")
@click.option("--scale", default=1.0, show_default=True, help="Size factor of the city.")
@click.option("--if-empty", is_flag=True, help="Do nothing when the registry has assets.")
def seed_demo(seed_value, scale, if_empty):
    """Generate and load the Nanning demo city (deterministic; re-running changes nothing)."""
    from seed_data import demo_city

    if if_empty and not _registry_is_empty():
        click.echo("registry has assets; demo seed skipped (--if-empty)")
        return
    orgs, features = demo_city.generate(seed=seed_value, scale=scale)
    features = list(features)
    _run(orgs, features, len(features), "demo city")
    lines = demo_city.barriers(seed=seed_value, scale=scale)
    _barriers("demo", {kind: read_features(kind, found) for kind, found in lines.items()})
    ctx = app_context()
    made = demo_city.replay_history(ctx.session_factory, ctx.matcher, seed_value)
    click.echo(f"demo history: {made} build requests replayed" if made else "demo history: kept")
    click.echo(run_once(ctx.session_factory).line())  # the inboxes show the year at once


@seed_cli.command("liechtenstein")
def seed_liechtenstein():
    """Load the real OSM extract of Liechtenstein (ODbL, © OpenStreetMap contributors)."""
    from seed_data import liechtenstein

    orgs, features = liechtenstein.generate()
    features = list(features)
    _run(orgs, features, len(features), "liechtenstein")
    _barriers("osm", {kind: read_file(path, kind) for kind, path in
                      liechtenstein.BARRIER_FILES.items()})  # fmt: skip
