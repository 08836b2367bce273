"""Import benchmark: generated point assets from CSV and GeoJSON into SpatiaLite and PostGIS.

    from bench import import_bench
    rows = import_bench.run(postgres_url, n=1_000_000)  # [(name, measured, unit, target, ok)]

The points come from seed_data.benchmark (a clustered, province-sized registry). The CSV is
seed_data.benchmark_io's; the GeoJSON is what an owner's GIS (or our own export) would give:
flat registry properties, imported without a mapping file. Every import goes into a fresh
database (a SpatiaLite file, a scratch database on the PostGIS cluster, dropped afterwards)
and is then repeated unchanged (the re-import). The baseline is GDAL's `ogr2ogr` loading the
same file into the same kind of database, with a spatial index, in the same run: the
targets are ratios to it (2.5x on PostGIS; SpatiaLite has only the old absolute target).
Wall time is the target; CPU time of this process, and of the PostgreSQL backends serving the
import (from /proc, when the server runs here), are beside it.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import subprocess
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
SPATIALITE_TARGET_S = 240.0  # for 1 M points
OGR_RATIO_TARGET = 2.5  # PostGIS import time / ogr2ogr time, CSV and GeoJSON
OGR_TABLE = "ogr_points"


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


def _backend_cpu(factory) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving this database ({} elsewhere).

    Read from /proc: only when the server runs on this machine and its processes are ours
    (or we are root), as on the throwaway benchmark cluster.
    """
    with factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            return {}
        stmt = "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        pids = list(session.scalars(sa.text(stmt)))
    out = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _timed(factory, owner_id: int, path: Path, mapping, **options) -> tuple:
    """(wall s, CPU s of this process, CPU s of the server or None, summary) of one import."""
    server = _backend_cpu(factory)
    started, cpu = time.monotonic(), time.process_time()
    options = ImportOptions(owner_id=owner_id, mapping=mapping, **options)
    summary = import_file(factory, Actor.system("bench"), path, options)
    wall, cpu = time.monotonic() - started, time.process_time() - cpu
    after = _backend_cpu(factory)
    server_cpu = sum(t - server.get(pid, 0.0) for pid, t in after.items()) if after else None
    return wall, cpu, server_cpu, summary


def _pg_dsn(url: str) -> str:
    u = sa.make_url(url)
    parts = {
        "dbname": u.database,
        "user": u.username,
        "password": u.password,
        "host": u.query.get("host") or u.host,
        "port": u.query.get("port") or u.port,
    }
    return "PG:" + " ".join(f"{k}={v}" for k, v in parts.items() if v)


def _ogr2ogr(destination: list[str], path: Path) -> tuple[float, float]:
    """(wall s, CPU s) of ogr2ogr loading `path` as a new table with a spatial index."""
    options = []
    if path.suffix == ".csv":
        options = ["-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
                   "-oo", "KEEP_GEOM_COLUMNS=NO"]  # fmt: skip
    command = ["ogr2ogr", *destination, str(path), *options, "-a_srs", "EPSG:4326",
               "-nln", OGR_TABLE, "-lco", "GEOMETRY_NAME=geom",
               "-lco", "SPATIAL_INDEX=YES"]  # fmt: skip
    if destination[1] == "PostgreSQL":
        command[-1] = "SPATIAL_INDEX=GIST"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"ogr2ogr failed: {done.stderr.strip()[-500:]}")
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    log.info("ogr2ogr %s: %.1f s (CPU %.1f s)", path.name, wall, cpu)
    return wall, cpu


def _pair(label: str, n: int, factory, owner_id, path, mapping, target: float | None):
    """Rows for an import and its unchanged re-import, each against `target` seconds."""
    rows = []
    for again in (False, True):
        wall, cpu, server_cpu, summary = _timed(factory, owner_id, path, mapping)
        ok = (summary.unchanged if again else summary.created) == n
        name = f"{'re-import' if again else 'import'} {n:,} points, {label}"
        log.info("%s: %.1f s, CPU %.1f s%s", name, wall, cpu, "" if ok else " WRONG COUNTS")
        passed = ok and (target is None or wall <= target)
        target = None if target is None else round(target, 2)
        rows.append((name, round(wall, 2), "s", target, passed))
        rows.append((f"{name} (CPU of the importing process)", round(cpu, 2), "s", None, True))
        if server_cpu is not None:
            rows.append((f"{name} (CPU of the database server)", round(server_cpu, 2), "s",
                         None, True))  # fmt: skip
    return rows


def _vs_ogr(rows: list, ogr_wall: float, label: str) -> list:
    """The ratio rows: each import's time over ogr2ogr's."""
    out = []
    for name, wall, _unit, _target, ok in [r for r in rows if r[2] == "s" and r[3] is not None]:
        ratio = wall / ogr_wall if ogr_wall else float("inf")
        key = name.replace(f", {label}", f" {label} / ogr2ogr")
        out.append((key, round(ratio, 2), "x", OGR_RATIO_TARGET, ok and ratio <= OGR_RATIO_TARGET))
    return out


def _postgis(url_root: str, label: str, path: Path, mapping, n: int) -> list:
    with _scratch_postgis(url_root) as url:
        ogr_wall, ogr_cpu = _ogr2ogr(["-f", "PostgreSQL", _pg_dsn(url)], path)
        rows = [(f"ogr2ogr {n:,} points, {label} (with GiST index)", round(ogr_wall, 2), "s",
                 None, True),
                (f"ogr2ogr {n:,} points, {label} (CPU of ogr2ogr)", round(ogr_cpu, 2), "s",
                 None, True)]  # fmt: skip
        engine, factory, owner_id = _migrated(url)
        try:
            mine = _pair(label, n, factory, owner_id, path, mapping, OGR_RATIO_TARGET * ogr_wall)
        finally:
            engine.dispose()
    with _scratch_postgis(url_root) as url:
        mine.append(_rebuilt(url, label, path, mapping, n, OGR_RATIO_TARGET * ogr_wall))
    return rows + mine + _vs_ogr(mine, ogr_wall, label)


def _rebuilt(url: str, label: str, path: Path, mapping, n: int, target: float) -> tuple:
    """The first import with the opt-in rebuild of the spatial index (--rebuild-spatial-index)."""
    engine, factory, owner_id = _migrated(url)
    try:
        wall, _, _, summary = _timed(factory, owner_id, path, mapping, rebuild_spatial_index=True)
    finally:
        engine.dispose()
    name = f"import {n:,} points with --rebuild-spatial-index, {label}"
    return (name, round(wall, 2), "s", round(target, 2), summary.created == n and wall <= target)


def _spatialite(tmp: str, path: Path, mapping, n: int) -> list:
    label = "CSV → SpatiaLite"
    ogr_wall, _ = _ogr2ogr(["-f", "SQLite", "-dsco", "SPATIALITE=YES", f"{tmp}/ogr.db"], path)
    rows = [(f"ogr2ogr {n:,} points, {label} (with spatial index)", round(ogr_wall, 2), "s",
             None, True)]  # fmt: skip
    engine, factory, owner_id = _migrated(f"sqlite:///{tmp}/bench.db")
    try:
        target = SPATIALITE_TARGET_S * n / 1_000_000
        mine = _pair(label, n, factory, owner_id, path, mapping, target)
    finally:
        engine.dispose()
    ratios = [
        (
            name.replace(f", {label}", f" {label} / ogr2ogr"),
            round(wall / ogr_wall, 2),
            "x",
            None,
            True,
        )
        for name, wall, _unit, target, _ in mine
        if target is not None
    ]
    return rows + mine + ratios


def run(postgres_url: str, n: int = 1_000_000) -> list[tuple[str, float, str, float, bool]]:
    """Import n points (CSV and GeoJSON, first and again); returns (name, value, unit, target,
    passed) rows, ogr2ogr's times and the ratios to them included."""
    if shutil.which("ogr2ogr") is None:
        raise RuntimeError("ogr2ogr not found (Debian package gdal-bin): no baseline")
    mapping = load_mapping(CSV_MAPPING)
    with tempfile.TemporaryDirectory(prefix="infrashare-import-bench-") as tmp:
        csv_path, geojson_path = _write_files(Path(tmp), n)
        rows = _postgis(postgres_url, "CSV → PostGIS", csv_path, mapping, n)
        rows += _postgis(postgres_url, "GeoJSON → PostGIS", geojson_path, None, n)
        rows += _spatialite(tmp, csv_path, mapping, n)
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--postgres-url", default=os.environ.get("INFRASHARE_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name, measured, unit, target, passed in run(args.postgres_url, args.n):
        verdict = "" if target is None else f"target {target:g} {'PASS' if passed else 'MISS'}"
        print(f"{name:70s} {measured:9.2f} {unit}  {verdict}")
