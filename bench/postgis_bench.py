"""The same site and route queries answered by PostGIS: COPY, a GiST index, prepared SQL.

The benchmark arrays go straight into two plain tables with COPY (the registry services
would take hours for 1.2 M rows), over the cluster's unix socket with psycopg 3. Queries
are prepared statements with the engine's eligibility rules written out in SQL: a bbox
(`&&`, served by the GiST index) plus ST_DWithin/ST_Distance on geography, nearest first.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import numpy as np
import psycopg
import shapely
import sqlalchemy as sa
from psycopg.conninfo import make_conninfo

from bench.dataset import Dataset
from bench.report import Figures, percentiles
from matching import rules

SCRATCH_DB = "infrashare_engine_bench"
K = {name: code for code, name in enumerate(rules.KINDS)}
U = {name: code for code, name in enumerate(rules.USES)}
R = {name: code for code, name in enumerate(rules.RESOURCES)}
IN_SERVICE = rules.STATUSES.index(rules.Status.IN_SERVICE)
SITE_SQL = f"""
SELECT id, ST_Distance(geom::geography, q.g) AS d
FROM bench_points, (SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS g) AS q
WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
  AND status = {IN_SERVICE} AND free_antenna >= %s
  AND (kind IN ({K["tower"]}, {K["rooftop"]}, {K["indoor_system"]})
       OR (kind = {K["pole"]} AND use IN ({U["power"]}, {U["lighting"]}, {U["telecom"]})))
  AND ST_DWithin(geom::geography, q.g, %s)
ORDER BY d, id LIMIT 10
"""
_CANDIDATES = f"""
SELECT l.id, l.geom, ST_Distance(l.geom::geography, r.g::geography) AS d
FROM bench_lines AS l, r
WHERE l.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
  AND l.status = {IN_SERVICE} AND l.kind = {K["fiber_cable"]} AND l.free_fiber >= %s
  AND ST_DWithin(l.geom::geography, r.g::geography, %s)
"""
ROUTE_SQL = f"""
WITH r AS (SELECT ST_GeomFromWKB(%s, 4326) AS g)
SELECT id, d FROM ({_CANDIDATES}) AS c ORDER BY d, id
"""
COVERAGE_SQL = f"""
WITH r AS (SELECT ST_GeomFromWKB(%s, 4326) AS g), c AS ({_CANDIDATES})
SELECT count(*), coalesce(ST_Length(ST_Intersection((SELECT g FROM r),
       ST_Union(ST_Buffer(c.geom::geography, %s)::geometry))::geography), 0)
FROM c
"""


def _conninfo(url: str, database: str | None = None) -> str:
    u = sa.make_url(url)
    return make_conninfo(
        host=u.query.get("host") or u.host, port=u.query.get("port") or u.port,
        user=u.username, password=u.password, dbname=database or u.database,
    )  # fmt: skip


@contextmanager
def scratch_database(url: str):
    """A fresh database with PostGIS on the benchmark cluster, dropped afterwards."""
    with psycopg.connect(_conninfo(url), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {SCRATCH_DB}")
    try:
        with psycopg.connect(_conninfo(url, SCRATCH_DB), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            yield conn
    finally:
        with psycopg.connect(_conninfo(url), autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)")


def versions(conn) -> str:
    pg = conn.execute("SHOW server_version").fetchone()[0]
    postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    return f"PostgreSQL {pg}, PostGIS {postgis}"


def _rows(columns: list[np.ndarray], geoms: np.ndarray) -> bytes:
    """COPY text rows: integer columns, then the geometry as hex EWKB."""
    wkb = shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True)
    lines = zip(*(c.tolist() for c in columns), wkb.tolist(), strict=True)
    return "".join("\t".join(map(str, row)) + "\n" for row in lines).encode()


def _copy(conn, table: str, names: str, data: bytes) -> float:
    start = time.perf_counter()
    with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for k in range(0, len(data), 8 << 20):
            copy.write(data[k : k + (8 << 20)])
    return time.perf_counter() - start


def _index(conn, table: str) -> float:
    start = time.perf_counter()
    conn.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    conn.execute(f"ANALYZE {table}")
    return time.perf_counter() - start


def load(conn, dataset: Dataset, figures: Figures) -> None:
    """COPY the arrays into bench_points and bench_lines and index them, timing each step."""
    p, lines = dataset.point_columns(), dataset.line_columns()
    start = time.perf_counter()
    points_data = _rows(
        [p["ids"], p["kind"], p["status"], p["use"], p["free"][:, R["antenna_mount"]]],
        shapely.points(p["lon"], p["lat"]),
    )
    coords = lines["coords"]
    line_geoms = shapely.linestrings(
        coords.values, indices=np.repeat(np.arange(dataset.n_lines), np.diff(coords.offsets))
    )
    free = lines["free"]
    lines_data = _rows(
        [lines["ids"], lines["kind"], lines["status"], free[:, R["fiber_core"]],
         free[:, R["subduct"]], free[:, R["attachment"]]], line_geoms,
    )  # fmt: skip
    figures.add("PostGIS: COPY text prepared in Python", time.perf_counter() - start, "s",
                note="not part of the load below")  # fmt: skip
    conn.execute(
        "CREATE TABLE bench_points (id bigint, kind smallint, status smallint, use smallint,"
        " free_antenna integer, geom geometry(Point, 4326))"
    )
    conn.execute(
        "CREATE TABLE bench_lines (id bigint, kind smallint, status smallint, free_fiber integer,"
        " free_subduct integer, free_attachment integer, geom geometry(LineString, 4326))"
    )
    copy_s = _copy(conn, "bench_points", "id, kind, status, use, free_antenna, geom", points_data)
    gist_s = _index(conn, "bench_points")
    figures.add(f"PostGIS: COPY {dataset.n_points:,} points + GiST", copy_s + gist_s, "s",
                note=f"COPY {copy_s:.1f} s, CREATE INDEX + ANALYZE {gist_s:.1f} s")  # fmt: skip
    names = "id, kind, status, free_fiber, free_subduct, free_attachment, geom"
    copy_s, gist_s = _copy(conn, "bench_lines", names, lines_data), _index(conn, "bench_lines")
    figures.add(f"PostGIS: COPY {dataset.n_lines:,} lines + GiST", copy_s + gist_s, "s",
                note=f"COPY {copy_s:.1f} s, CREATE INDEX + ANALYZE {gist_s:.1f} s")  # fmt: skip


def _timed(conn, sql: str, params: list[tuple], warm: int = 20) -> tuple[list[float], list]:
    cursor = conn.cursor()
    for args in params[:warm]:
        cursor.execute(sql, args, prepare=True).fetchall()
    seconds, results = [], []
    for args in params:
        start = time.perf_counter()
        rows = cursor.execute(sql, args, prepare=True).fetchall()
        seconds.append(time.perf_counter() - start)
        results.append(rows)
    return seconds, results


def site_queries(conn, requests, boxes, figures: Figures) -> float:
    params = [
        (r.location.x, r.location.y, *box, r.needs["antenna_mount"], r.radius_m)
        for r, box in zip(requests, boxes, strict=True)
    ]
    seconds, rows = _timed(conn, SITE_SQL, params)
    p50, p99 = percentiles(seconds)
    figures.add("PostGIS site query p50", p50, "us",
                note=f"{np.mean([len(r) for r in rows]):.1f} rows, nearest first")  # fmt: skip
    figures.add("PostGIS site query p99", p99, "us")
    return p50


def route_queries(conn, requests, boxes, figures: Figures) -> tuple[float, float]:
    params = [
        (shapely.to_wkb(r.route), *box, r.needs["fiber_core"], r.corridor_m)
        for r, box in zip(requests, boxes, strict=True)
    ]
    seconds, rows = _timed(conn, ROUTE_SQL, params)
    candidates = percentiles(seconds)[0]
    figures.add("PostGIS route candidates p50", candidates, "us",
                note=f"{np.mean([len(r) for r in rows]):.1f} candidates")  # fmt: skip
    params = [(*args, r.corridor_m) for args, r in zip(params, requests, strict=True)]
    seconds, rows = _timed(conn, COVERAGE_SQL, params)
    covered = percentiles(seconds)[0]
    figures.add("PostGIS route candidates + coverage p50", covered, "us",
                note="ST_Union of geography buffers intersected with the route")  # fmt: skip
    return candidates, covered
