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
import sys
import time

import numpy as np
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
    """Organisations, point assets, capacities and one change-feed row, by COPY."""
    cols = dataset.point_columns()
    names = {key: OWNER_NAMES[code + 1] for code, key in enumerate(benchmark.OWNERS)}
    _copy(conn, "COPY organisation (id, name, sector, created_at) FROM STDIN",
          (f"{code + 1}\t{names[key]}\t{SECTORS[key]}\tnow\n"
           for code, key in enumerate(benchmark.OWNERS)))  # fmt: skip
    kinds, statuses = np.array(rules.KINDS, object), np.array(rules.STATUSES, object)
    sens, uses = np.array(rules.SENSITIVITIES, object), np.array(rules.USES, object)
    refs = cols["refs"].strings(np.arange(len(cols["ids"])))
    lines = (
        f"{i}\t{o}\t{r}\t{k}\t{s}\t{v}\tSRID=4326;POINT({x!r} {y!r})\t{json.dumps(a)}\tnow\tnow\n"
        for i, o, r, k, s, v, x, y, a in zip(
            cols["ids"].tolist(), cols["owner"].tolist(), refs,
            kinds[cols["kind"]].tolist(), statuses[cols["status"]].tolist(),
            sens[cols["sensitivity"]].tolist(), cols["lon"].tolist(), cols["lat"].tolist(),
            _attributes(cols, uses), strict=True,
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
    conn.execute(
        "INSERT INTO change_feed (asset_id, entity, op, at) VALUES (0, 'asset', 'load', now())"
    )
    conn.execute("ANALYZE")


def _attributes(cols: dict, uses: np.ndarray):
    for h, u in zip(cols["height"].tolist(), uses[cols["use"]].tolist(), strict=True):
        attrs = {} if h != h else {"height_m": h}
        if u is not None:
            attrs["use"] = str(u)
        yield attrs


def run(url: str, n_points: int, figures: Figures) -> None:
    from registry.db import migrate
    from registry.db.engine import make_engine, make_session_factory
    from registry.engine.source import SqlAssetSource

    dataset = Dataset.generate(n_points, 0)
    with scratch_database(url) as conn:
        engine = make_engine(str(sa.make_url(url).set(database=SCRATCH_DB)))
        migrate.upgrade(engine)
        start = time.perf_counter()
        fill(conn, dataset)
        figures.add(f"load: COPY {n_points:,} assets into the registry schema",
                    time.perf_counter() - start, "s", note="bench setup, not the load")  # fmt: skip
        index = AssetIndex(SqlAssetSource(make_session_factory(engine)))
        t0, c0 = time.perf_counter(), time.process_time()
        index.build()
        seconds = time.perf_counter() - t0
        big = n_points >= 10_000_000
        note = f"CPU {time.process_time() - c0:.1f} s; no allocations in the data"
        figures.add(f"load: index from PostGIS at start-up, {n_points:,} assets", seconds, "s",
                    TARGET_LOAD_S if big else None, note=note,
                    key="index_load_from_PostGIS_10M" if big else "")  # fmt: skip
        assert index.stats()["points"] == n_points
        engine.dispose()


def main(argv=None) -> int:
    import os

    p = argparse.ArgumentParser(
        prog="python -m bench.startup_load_bench", description=__doc__.splitlines()[0]
    )
    p.add_argument("--points", type=int, default=10_000_000)
    args = p.parse_args(argv)
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    if not url:
        print("set INFRASHARE_TEST_POSTGRES_URL (scripts/with_pg.sh does)")
        return 2
    figures = Figures()
    run(url, args.points, figures)
    for figure in figures.targets():
        print(target_line(figure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
