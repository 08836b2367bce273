"""Import benchmark: 1 M generated point assets from CSV and GeoJSON into SpatiaLite and PostGIS.

    from bench import import_bench
    rows = import_bench.run(postgres_url)   # [(name, measured, unit, target, passed), ...]

The points come from seed_data.benchmark (a clustered, province-sized registry). The CSV is
seed_data.benchmark_io's; the GeoJSON is what an owner's GIS (or our own export) would give:
flat registry properties, imported without a mapping file. Every import goes into a fresh
database: a SpatiaLite file, and a scratch database on the PostGIS cluster that is dropped
afterwards. Targets scale linearly when `n` is not 1 M.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from registry.db import migrate
from registry.db.engine import make_engine, make_session_factory
from registry.db.uow import Actor, UnitOfWork
from registry.interop.importers.mapping_file import load_mapping
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory import organisations

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CSV_MAPPING = ROOT / "seed_data" / "mappings" / "benchmark_points_csv.yaml"
SCRATCH_DB = "infrashare_import_bench"
TARGETS_S = {"spatialite": 240.0, "postgis": 90.0}  # for 1 M points


def _write_files(folder: Path, n: int) -> tuple[Path, Path]:
    from seed_data import benchmark, benchmark_io

    arrays = benchmark.generate_arrays(n_points=n, n_lines=0)
    csv_path, geojson_path = folder / "points.csv", folder / "points.geojson"
    benchmark_io.write_csv(csv_path, arrays, limit=n)
    with open(geojson_path, "w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for i, feature in enumerate(benchmark.iter_features(arrays, 0, n, lines=False)):
            fh.write((",\n" if i else "") + json.dumps(_registry_feature(feature)))
        fh.write("\n]}\n")
    return csv_path, geojson_path


def _registry_feature(feature: dict) -> dict:
    """The generator's feature in the registry's own property names (as an export writes)."""
    p = feature["properties"]
    props = {k: p[k] for k in ("kind", "owner_ref", "status", "sensitivity")}
    props.update(p["attributes"])
    props["capacity"] = p["capacity"]
    return {"type": "Feature", "geometry": feature["geometry"], "properties": props}


@contextmanager
def _scratch_postgis(postgres_url: str):
    """A fresh, migrated database on the benchmark cluster, dropped afterwards."""
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {SCRATCH_DB}")
    url = sa.make_url(postgres_url).set(database=SCRATCH_DB)
    with sa.create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS postgis")
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        admin.dispose()


def _migrated(url: str):
    engine = make_engine(url)
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory, Actor.system("bench")) as uow:
        owner = organisations.create_organisation(uow, name="Benchmark Owner", sector="telecom")
    return engine, factory, owner.id


def _timed(factory, owner_id: int, path: Path, mapping) -> tuple[float, object]:
    started = time.monotonic()
    summary = import_file(
        factory, Actor.system("bench"), path,
        ImportOptions(owner_id=owner_id, mapping=mapping),
    )  # fmt: skip
    return time.monotonic() - started, summary


def _row(name: str, seconds: float, target: float, ok: bool) -> tuple:
    log.info("%s: %.1f s (target %.0f s)%s", name, seconds, target, "" if ok else " WRONG COUNTS")
    return (name, round(seconds, 1), "s", target, ok and seconds <= target)


def _bench(label: str, url: str, path: Path, mapping, n: int, target: float, again=False):
    engine, factory, owner_id = _migrated(url)
    try:
        seconds, summary = _timed(factory, owner_id, path, mapping)
        rows = [_row(f"import {n:,} points, {label}", seconds, target, summary.created == n)]
        if again:
            seconds, summary = _timed(factory, owner_id, path, mapping)
            rows.append(_row(f"re-import {n:,} unchanged points, {label}", seconds, target,
                             summary.unchanged == n))  # fmt: skip
        return rows
    finally:
        engine.dispose()


def run(postgres_url: str, n: int = 1_000_000) -> list[tuple[str, float, str, float, bool]]:
    """Import n points four ways; returns (name, seconds, "s", target seconds, passed) rows."""
    scale = n / 1_000_000
    lite, pg = TARGETS_S["spatialite"] * scale, TARGETS_S["postgis"] * scale
    mapping = load_mapping(CSV_MAPPING)
    with tempfile.TemporaryDirectory(prefix="infrashare-import-bench-") as tmp:
        csv_path, geojson_path = _write_files(Path(tmp), n)
        rows = _bench("CSV → SpatiaLite", f"sqlite:///{tmp}/bench.db", csv_path, mapping, n, lite)
        with _scratch_postgis(postgres_url) as url:
            rows += _bench("CSV → PostGIS", url, csv_path, mapping, n, pg, again=True)
        with _scratch_postgis(postgres_url) as url:
            rows += _bench("GeoJSON → PostGIS", url, geojson_path, None, n, pg)
    return rows


if __name__ == "__main__":
    import argparse
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default=os.environ.get("INFRASHARE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name, measured, unit, target, passed in run(args.postgres_url, args.n):
        print(
            f"{name:55s} {measured:8.1f} {unit}  target {target:6.0f}  {'ok' if passed else 'FAIL'}"
        )
