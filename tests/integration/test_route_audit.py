"""The avoidable-build audit of planned routes on Dask gives exactly the single-process
answers, and those are `match_route`'s."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from shapely.geometry import LineString

from bench import workload
from bench.dataset import OWNER_NAMES, Dataset
from matching import AssetIndex, MemorySource, RouteRequest, match_route
from registry.batch import route_audit
from registry.batch.snapshot_lines import read_lines, write_lines
from tests.batch_helpers import along_existing_lines, assert_same_audit, generated, loaded_index
from tests.unit.matching.factories import make_line, offset

TEMPLATES = [
    RouteRequest(LineString([(0, 0), (0.01, 0)]), 50.0, {"fiber_core": 12}, limit=3),
    RouteRequest(LineString([(0, 0), (0.01, 0)]), 100.0, {"subduct": 1}, share_threshold=0.5),
]


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    dataset = generated(2_000, 6_000, seed=7, extent_km=25.0)
    path = tmp_path_factory.mktemp("route_audit") / "registry.parquet"
    _, lines = dataset.tables()
    write_lines(path, lines, OWNER_NAMES, seq=4)
    return dataset, path


def route_plans(dataset: Dataset, n: int, seed: int) -> route_audit.RoutePlans:
    """10 km street routes and, every third, an existing line (so that some can share)."""
    rng = np.random.default_rng(seed)
    routes = [np.asarray(r.coords) for r in workload.route_lines(dataset, n, rng)]
    routes = along_existing_lines(dataset, routes, rng)
    ids = np.array([f"R{k}" for k in range(n)], dtype=object)
    return route_audit.RoutePlans(ids, routes, np.arange(n) % len(TEMPLATES), TEMPLATES)


def test_the_line_snapshot_reads_back_the_same_line_table(registry):
    dataset, path = registry
    lines, owners, seq = read_lines(path)
    _, original = dataset.tables()
    assert seq == 4 and owners == {k: OWNER_NAMES[k] for k in owners}
    for name in ("ids", "kind", "status", "sector", "owner", "free", "boxes", "box_row"):
        np.testing.assert_array_equal(getattr(lines, name), getattr(original, name), name)
    k = np.arange(0, len(lines), 97)
    assert lines.refs.strings(k) == original.refs.strings(k)


def test_the_single_process_route_audit_gives_match_route_answers(registry):
    dataset, path = registry
    plans = route_plans(dataset, 60, seed=2)
    single = route_audit.run_single(plans, path)
    _, index = loaded_index(dataset)
    reports = [
        match_route(index, dataclasses.replace(plans.templates[g], route=LineString(route)))
        for route, g in zip(plans.routes, plans.group.tolist(), strict=True)
    ]
    assert single.plans["verdict"].tolist() == [r.verdict for r in reports]
    assert single.plans["coverage_m"].tolist() == [r.coverage_m for r in reports]
    assert single.plans["new_trench_m"].tolist() == [r.new_trench_m for r in reports]
    best = [r.candidates[0].asset_id if r.candidates else -1 for r in reports]
    assert single.plans["best_asset_id"].tolist() == best
    assert single.summary["could_share"] + single.summary["could_partly_share"] > 0
    assert single.summary["trench_m_avoidable"] > 0


def test_tiled_dask_route_audit_equals_the_single_process_run(registry):
    dataset, path = registry
    plans = route_plans(dataset, 80, seed=3)
    single = route_audit.run_single(plans, path)
    tiled = route_audit.run_dask(plans, path, workers=2, processes=False, tile_deg=0.05)
    assert len(route_audit.partition(plans.lon, plans.lat, 0.05)) > 4  # really split
    assert_same_audit(tiled, single)


def test_the_best_line_in_the_neighbouring_tile_is_found(tmp_path):
    edge, lat = 108.5, 22.8  # a tile boundary at tile_deg 0.5
    route = np.array([offset(edge, lat, -300.0, 0.0), offset(edge, lat, 300.0, 0.0)])
    # The best line runs along the route's east half, wholly in the next tile and farther
    # from this tile than the corridor; a short one in the route's own tile ranks second.
    records = [
        make_line(1, [offset(edge, lat, 100.0, 5.0), offset(edge, lat, 300.0, 5.0)]),
        make_line(2, [offset(edge, lat, -300.0, 5.0), offset(edge, lat, -250.0, 5.0)]),
    ]
    index = AssetIndex(MemorySource(records))
    index.build()
    write_lines(tmp_path / "edge.parquet", index._gen.lines, index._gen.owners, seq=1)
    template = RouteRequest(LineString(route), 30.0, {"subduct": 1})
    plans = route_audit.RoutePlans(np.array(["edge"], dtype=object), [route], np.array([0]),
                                   [template])  # fmt: skip
    tiled = route_audit.run_dask(plans, tmp_path / "edge.parquet", workers=1, processes=False,
                                 tile_deg=0.5)  # fmt: skip
    assert tiled.plans["best_asset_id"].tolist() == [1]
    assert tiled.candidates["asset_id"].tolist() == [1, 2]
    assert_same_audit(tiled, route_audit.run_single(plans, tmp_path / "edge.parquet"))
    assert tiled.plans["best_asset_id"].tolist() == [
        match_route(index, template).candidates[0].asset_id
    ]
