"""`python -m bench`: the engine, PostGIS, the oracle and the API on one generated registry.

Prints each figure as it is measured, ends with one `TARGET name measured unit target
PASS|MISS` line per target, and rewrites the generated section of bench/RESULTS.md.
`make bench` runs it against a throwaway PostGIS cluster (INFRASHARE_TEST_POSTGRES_URL).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
import time

# pyproj before anything loads SpatiaLite (see registry/db/engine.py).
import pyproj  # noqa: F401

from bench import (
    engine_bench,
    http_bench,
    load_bench,
    near_bench,
    oracle_bench,
    planner_bench,
    postgis_bench,
    report,
    scale_bench,
    workload,
)
from bench.dataset import ArraySource, Dataset
from matching import geo
from matching.path import MetricPath


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=1_000_000, help="point assets (default 1 M)")
    p.add_argument("--lines", type=int, default=200_000, help="line assets (default 200 k)")
    p.add_argument("--queries", type=int, default=2_000, help="site queries (default 2000)")
    p.add_argument("--routes", type=int, default=300, help="route queries (default 300)")
    p.add_argument("--changes", type=int, default=10_000, help="writes to catch up on")
    p.add_argument("--plans", type=int, default=200, help="route plans per span (default 200)")
    p.add_argument("--skip-import", action="store_true", help="skip bench/import_bench.py")
    p.add_argument("--skip-load", action="store_true", help="skip the gunicorn load test")
    p.add_argument("--only-serving", action="store_true",
                   help="only the HTTP parts: test client, gunicorn one client + load")  # fmt: skip
    p.add_argument("--only-scale", action="store_true",
                   help="only the 1 M site p50 (reference) and the 10 M part")  # fmt: skip
    p.add_argument("--batch", type=int, default=1_000_000, help="batch site queries (1 M)")
    p.add_argument("--batch-routes", type=int, default=10_000,
                   help="batch route queries, also run one by one (10 k)")  # fmt: skip
    p.add_argument(
        "--scale",
        choices=("1m", "10m"),
        default="1m",
        help="10m: also the 10 M index and the audit of 1 M plans (bench/audit_bench)",
    )
    p.add_argument("--quick", action="store_true",
                   help="200 k points, 40 k lines, fewer queries, no import benchmark")  # fmt: skip
    args = p.parse_args(argv)
    if args.only_scale:
        args.scale = "10m"
    if args.quick:
        args.points, args.lines = min(args.points, 200_000), min(args.lines, 40_000)
        args.queries, args.routes = min(args.queries, 500), min(args.routes, 100)
        args.plans = min(args.plans, 30)
        args.batch = min(args.batch, 20_000)
        args.batch_routes = min(args.batch_routes, 1_000)
        args.skip_import = True
    return args


def heading(text: str) -> None:
    print(f"\n[{report.stamp()}] {text}", flush=True)


def engine_part(args, dataset: Dataset, figures: report.Figures, rng):
    heading("engine: build, memory, latency")
    engine_bench.build_points_only(dataset, figures)
    source = ArraySource(dataset)
    index = engine_bench.build_full(dataset, source, figures)
    sites = workload.site_requests(workload.site_locations(dataset, args.queries, rng))
    routes = workload.route_requests(workload.route_lines(dataset, args.routes, rng))
    engine_bench.site_latency(index, sites, figures)
    engine_bench.site_with_json(index, sites[:500], figures)
    engine_bench.route_latency(index, routes, figures)
    heading("oracle: brute force against the engine")
    n_sites, n_routes = (50, 10) if args.quick else (200, 50)
    mismatches = oracle_bench.compare(index, source, sites[:n_sites], routes[:n_routes], figures)
    figures.add("oracle mismatches", mismatches, "queries", 0, key="oracle_mismatches")
    heading("planner: 5 and 20 km plans, three searches compared, oracle, pgRouting")
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    planner_bench.run(index, source, dataset, figures, rng, args.plans, url)
    heading("engine: catch-up")
    engine_bench.catch_up(index, source, args.changes, figures, rng)
    engine_bench.site_latency(index, sites, figures, " after catch-up")
    engine_bench.steady_state(figures, index, source, sites)
    heading("engine: batch site matching")
    engine_bench.batch_sites(index, dataset, args.batch, figures, rng)
    heading("engine: batch route matching, beside one by one")
    engine_bench.batch_routes(index, dataset, args.batch_routes, figures, rng)
    return sites, routes


def scale_part(args, figures: report.Figures, rng) -> None:
    """`--scale 10m`: the 10 M index (build, RSS, site p50) and the Dask audit."""
    from bench import audit_bench
    from seed_data.benchmark import scale_sizes

    if args.scale != "10m":
        return
    heading("scale: 10 M assets")
    site_1m = figures.get("site match p50")
    points, lines, provinces = scale_sizes("10m")
    # The target is taken side by side below; this p50 is compared with the earlier 1 M one
    # only as a note (scale_bench.py says why).
    big = engine_bench.scale_part(points, lines, None, figures, rng, provinces)
    if site_1m:
        p50 = next(f for f in reversed(figures.items) if f.name.startswith("scale: site match p50"))
        figures.note(
            f"10 M site p50 / the 1 M one taken earlier: {p50.measured / site_1m.measured:.2f}x"
        )
    heading("scale: the 10 M site p50 beside a 1 M index, in alternating blocks")
    small = Dataset.at_scale("1m")
    scale_bench.side_by_side((small, scale_bench.load(small)), big, args.queries, figures, rng)
    del small, big
    heading("scale: the avoidable-build audit on Dask")
    audit_bench.run(points, 1_000_000, figures, provinces=provinces)
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    heading("scale: the index loaded from PostGIS at start-up (startup_load_bench.py)")
    if not url:
        figures.note("start-up load skipped: INFRASHARE_TEST_POSTGRES_URL is not set")
        return
    from bench import startup_load_bench

    startup_load_bench.run(url, points, figures)


def postgis_part(dataset, sites, routes, figures: report.Figures, info: dict) -> None:
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    heading("PostGIS: the same data and queries")
    if not url:
        figures.note("PostGIS skipped: INFRASHARE_TEST_POSTGRES_URL is not set (use make bench)")
        return
    site_boxes = [geo.radius_boxes(r.location.x, r.location.y, r.radius_m)[0] for r in sites]
    route_boxes = []
    for r in routes:
        boxes = MetricPath(r.route).search_boxes(r.corridor_m)
        route_boxes.append((*boxes[:, :2].min(axis=0), *boxes[:, 2:].max(axis=0)))
    with postgis_bench.scratch_database(url) as conn:
        info["postgis"] = postgis_bench.versions(conn)
        postgis_bench.load(conn, dataset, figures)
        postgis_bench.site_queries(conn, sites, [b.tolist() for b in site_boxes], figures)
        postgis_bench.route_queries(conn, routes, route_boxes, figures)


def ratios(figures: report.Figures, n_points: int) -> None:
    pairs = [
        ("engine/PostGIS build", f"index build {n_points:,} points",
         f"PostGIS: COPY {n_points:,} points + GiST"),
        ("engine/PostGIS site p50", "site match p50", "PostGIS site query p50"),
        ("engine/PostGIS route p50 (candidates only)", "route match p50",
         "PostGIS route candidates p50"),
        ("engine/PostGIS route p50 (with coverage)", "route match p50",
         "PostGIS route candidates + coverage p50"),
    ]  # fmt: skip
    for name, ours, theirs in pairs:
        a, b = figures.get(ours), figures.get(theirs)
        if a is not None and b is not None and b.measured:
            figures.add(name, a.measured / b.measured, "x", note="below 1: the engine is faster")


def import_part(figures: report.Figures) -> None:
    heading("import benchmark (bench/import_bench.py)")
    url = os.environ.get("INFRASHARE_TEST_POSTGRES_URL")
    try:
        from bench import import_bench

        rows = import_bench.run(url)
    except Exception as exc:  # another engineer's module: report, never abort the run
        figures.note(f"import benchmark skipped: {type(exc).__name__}: {exc}")
        return
    for name, measured, unit, target, passed in rows:
        key = re.sub(r"[^A-Za-z0-9]+", "_", name.replace("→", " to ")).strip("_")
        figure = figures.add(f"import: {name}", measured, unit, target, key=key)
        figure.passed = passed if target is not None else None  # its own verdict (counts too)


def main(argv: list[str] | None = None) -> int:
    import numpy as np

    args = parse(argv)
    figures, info = report.Figures(), report.machine()
    rng = np.random.default_rng(2024)
    started = time.perf_counter()
    heading(
        f"benchmark registry: {args.points:,} points + {args.lines:,} lines (load {info['load']})"
    )
    if args.only_scale:
        only_scale_part(args, figures, rng)
    elif not args.only_serving:
        dataset = Dataset.generate(args.points, args.lines)
        sites, routes = engine_part(args, dataset, figures, rng)
        postgis_part(dataset, sites, routes, figures, info)
        del dataset
        scale_part(args, figures, rng)
    if args.only_scale:
        return finish(args, argv, figures, info, started)
    heading("HTTP: /api/v1/match/site on the demo city")
    with http_bench.demo_city_db(figures) as city:
        http_bench.run(figures, 120 if args.quick else 500, rng, city)
        if not args.skip_load:
            heading("serving: gunicorn as make run starts it, 1 client then 32 (load_bench.py)")
            load_bench.run(figures, args.quick, rng, city)
    heading("near lists on the demo city: in-process index vs the database (both backends)")
    near_bench.run(figures, 60 if args.quick else 300, rng, 0.2 if args.quick else 1.0,
                   os.environ.get("INFRASHARE_TEST_POSTGRES_URL"))  # fmt: skip
    if not args.skip_import and not args.only_serving:
        import_part(figures)
    ratios(figures, args.points)
    return finish(args, argv, figures, info, started)


def only_scale_part(args, figures: report.Figures, rng) -> None:
    """`--only-scale`: the 1 M site p50 that the 10 M one is compared with, then the scale part."""
    dataset = Dataset.generate(args.points, args.lines)
    heading("engine: the 1 M reference for the scale part")
    index = engine_bench.build_full(dataset, ArraySource(dataset), figures)
    sites = workload.site_requests(workload.site_locations(dataset, args.queries, rng))
    engine_bench.site_latency(index, sites, figures)
    del index, dataset, sites
    scale_part(args, figures, rng)


def finish(args, argv, figures: report.Figures, info: dict, started: float) -> int:
    """Print the TARGET lines and rewrite the generated section of bench/RESULTS.md."""
    info["load_end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    figures.note(f"whole run {time.perf_counter() - started:.0f} s")
    heading("targets")
    for figure in figures.targets():
        print(report.target_line(figure))
    arguments = shlex.join(argv if argv is not None else sys.argv[1:])
    name = "scale" if args.only_scale else "bench"
    report.write_results(report.section(info, figures, arguments, name), name=name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
