"""The index's start-up load from PostGIS (`SqlAssetSource.snapshot_tables`), timed.

A migrated scratch database gets the benchmark's point assets and their capacities by COPY
(no allocations: the generator's occupancy is folded into the totals, so the held-unit
queries read empty tables; noted in the output). Then `AssetIndex.build()` reads them the
way the app does at start-up. `python -m bench.startup_load_bench --points N` runs it alone.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time

import numpy as np
import shapely
import sqlalchemy as sa

from bench.dataset import OWNER_NAMES, SECTORS, Dataset
from bench.postgis_bench import SCRATCH_DB, scratch_database
from bench.report import Figures, target_line
from matching import AssetIndex, rules
from seed_data import benchmark

TARGET_LOAD_S = 60.0  # 10 M assets
CHUNK = 500_000


def _copy(conn, sql: str, lines) -> None:
    with conn.cursor() as cur, cur.copy(sql) as copy:
        buffer = io.StringIO()
        for k, line in enumerate(lines, start=1):
            buffer.write(line)
            if k % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def fill(conn, dataset: Dataset) -> None:
    """Organisations, point and line assets, capacities and one change-feed row, by COPY."""
    names = {key: OWNER_NAMES[code + 1] for code, key in enumerate(benchmark.OWNERS)}
    _copy(conn, "COPY organisation (id, name, sector, created_at) FROM STDIN",
          (f"{code + 1}\t{names[key]}\t{SECTORS[key]}\tnow\n"
           for code, key in enumerate(benchmark.OWNERS)))  # fmt: skip
    cols = dataset.point_columns()
    xy = zip(cols["lon"].tolist(), cols["lat"].tolist(), strict=True)
    _fill_family(conn, cols, (f"SRID=4326;POINT({x!r} {y!r})" for x, y in xy))
    if dataset.n_lines:
        cols = dataset.line_columns()
        coords = cols["coords"]
        lines = shapely.linestrings(
            coords.values, indices=np.repeat(np.arange(len(cols["ids"])), np.diff(coords.offsets))
        )
        wkb = shapely.to_wkb(shapely.set_srid(lines, 4326), hex=True, include_srid=True)
        _fill_family(conn, cols, wkb.tolist())
    conn.execute(
        "INSERT INTO change_feed (asset_id, entity, op, at) VALUES (0, 'asset', 'load', now())"
    )
    conn.execute("ANALYZE")


def _fill_family(conn, cols: dict, geoms) -> None:
    """One family's assets (geometries as EWKT or hex WKB, SRID 4326) and capacities."""
    kinds, statuses = np.array(rules.KINDS, object), np.array(rules.STATUSES, object)
    sens, uses = np.array(rules.SENSITIVITIES, object), np.array(rules.USES, object)
    refs = cols["refs"].strings(np.arange(len(cols["ids"])))
    lines = (
        f"{i}\t{o}\t{r}\t{k}\t{s}\t{v}\t{g}\t{json.dumps(a)}\tnow\tnow\n"
        for i, o, r, k, s, v, g, a in zip(
            cols["ids"].tolist(), cols["owner"].tolist(), refs,
            kinds[cols["kind"]].tolist(), statuses[cols["status"]].tolist(),
            sens[cols["sensitivity"]].tolist(), geoms, _attributes(cols, uses), strict=True,
        )
    )  # fmt: skip
    _copy(conn, "COPY asset (id, owner_id, owner_ref, kind, status, sensitivity, geom, "
          "attributes, created_at, updated_at) FROM STDIN", lines)  # fmt: skip
    free = cols["free"]
    has = np.flatnonzero(free.sum(axis=1) > 0)
    resource = free[has].argmax(axis=1)
    _copy(conn, "COPY capacity (asset_id, resource, total, unit_heights) FROM STDIN",
          (f"{i}\t{rules.RESOURCES[r]}\t{t}\t\\N\n" for i, r, t in zip(
              cols["ids"][has].tolist(), resource.tolist(), free[has, resource].tolist(),
              strict=True)))  # fmt: skip


def _attributes(cols: dict, uses: np.ndarray):
    for h, u in zip(cols["height"].tolist(), uses[cols["use"]].tolist(), strict=True):
        attrs = {} if h != h else {"height_m": h}
        if u is not None:
            attrs["use"] = str(u)
        yield attrs


def _server_cpu(conn) -> float | None:
    """CPU seconds of the cluster's processes so far: the live ones, plus what the
    postmaster collected from those that exited; None when /proc does not show them."""
    try:
        postmaster = _stat(conn.execute("SELECT pg_backend_pid()").fetchone()[0])[1]
        total = sum(_stat(postmaster)[2:4])
        for pid in os.listdir("/proc"):
            if pid.isdigit() and (stat := _stat(int(pid), missing_ok=True))[1] == postmaster:
                total += stat[0]
        return total / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _stat(pid: int, missing_ok: bool = False) -> tuple[int, int, int, int]:
    """(utime + stime, parent pid, cutime, cstime) of a process, in clock ticks."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        if missing_ok:  # exited meanwhile
            return (0, -1, 0, 0)
        raise
    return int(fields[11]) + int(fields[12]), int(fields[1]), int(fields[13]), int(fields[14])


def run(url: str, n_points: int, figures: Figures, n_lines: int = 0) -> None:
    from registry.db import migrate
    from registry.db.engine import make_engine, make_session_factory
    from registry.engine.source import SqlAssetSource

    dataset = Dataset.generate(n_points, n_lines)
    with scratch_database(url) as conn:
        engine = make_engine(str(sa.make_url(url).set(database=SCRATCH_DB)))
        migrate.upgrade(engine)
        start = time.perf_counter()
        fill(conn, dataset)
        what = f"{n_points:,} points + {n_lines:,} lines" if n_lines else f"{n_points:,} assets"
        figures.add(f"load: COPY {what} into the registry schema",
                    time.perf_counter() - start, "s", note="bench setup, not the load")  # fmt: skip
        index = AssetIndex(SqlAssetSource(make_session_factory(engine)))
        server = _server_cpu(conn)
        t0, c0 = time.perf_counter(), time.process_time()
        index.build()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        after = _server_cpu(conn)
        big = n_points >= 10_000_000 and not n_lines
        note = f"CPU {cpu:.1f} s" + ("" if after is None else f", server {after - server:.1f} s")
        figures.add(f"load: index from PostGIS at start-up, {what}", seconds, "s",
                    TARGET_LOAD_S if big else None, note=note + "; no allocations in the data",
                    key="index_load_from_PostGIS_10M" if big else "")  # fmt: skip
        assert (index.stats()["points"], index.stats()["lines"]) == (n_points, n_lines)
        engine.dispose()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.startup_load_bench", description=__doc__.splitlines()[0]
    )
    p.add_argument("--points", type=int, default=10_000_000)
    p.add_argument("--lines", type=int, default=0, help="line assets besides (default none)")
    args = p.parse_args(argv)
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    if not url:
        print("set INFRASHARE_TEST_POSTGRES_URL (scripts/with_pg.sh does)")
        return 2
    figures = Figures()
    run(url, args.points, figures, args.lines)
    for figure in figures.targets():
        print(target_line(figure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
