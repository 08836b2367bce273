"""Randomised registries: the planner's optimum equals the naive oracle's within 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, rules
from matching.planner import Constraints, PlanRequest, PlanSettings, plan_route
from matching.planner.oracle import oracle_plan_cost
from tests.unit.matching.factories import make_line, offset, random_lines

SETTINGS = settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


@st.composite
def plans(draw):
    """A registry of random walks, two ends, a need, a detour and graph settings."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    lat = draw(st.floats(-60, 60))
    lon = draw(st.one_of(st.floats(-179, 179), st.sampled_from([179.999, -179.999])))
    spread = draw(st.sampled_from([200.0, 600.0]))
    records = random_lines(rng, (lon, lat), int(rng.integers(0, 60)), spread)
    need = str(rng.choice(["subduct", "fiber_core", "attachment"]))
    # Ends near the vertices of lines that can take the need, so that reuse pays.
    vertices = [v for r in records if need in r.capacity for v in r.geometry.coords] or [(lon, lat)]
    start, end = (offset(*vertices[int(rng.integers(len(vertices)))], *rng.normal(0, 40, 2))
                  for _ in range(2))  # fmt: skip
    owners = [int(o) for o in rng.choice([1, 2, 3], size=int(rng.integers(0, 2)))]
    request = PlanRequest(
        start=Point(start),
        end=Point(end),
        needs={need: int(rng.integers(1, 3))},
        max_detour=float(rng.choice([1.2, 2.0, 3.0])),
        constraints=Constraints(exclude_owner_ids=frozenset(owners)),
    )
    graph = PlanSettings(
        snap_m=float(rng.choice([2.0, 30.0])),
        trench_radius_m=float(rng.choice([80.0, 250.0, 600.0])),
        trench_neighbours=int(rng.integers(1, 9)),
        end_neighbours=int(rng.integers(1, 9)),
    )
    return records, request, graph


@SETTINGS
@given(plans())
def test_the_planner_finds_the_oracles_optimum(case):
    records, request, graph = case
    if request.span_m < 1.0:
        return
    report = plan_route(AssetIndex(MemorySource(records)), request, rules.DEFAULT_COSTS, graph)
    expected = oracle_plan_cost(records, request, rules.DEFAULT_COSTS, graph)
    assert report.best.cost == pytest.approx(expected, abs=1e-6, rel=0)
    legs = report.best.legs
    assert sum(leg["cost"] for leg in legs) == pytest.approx(report.best.cost, abs=1e-6)
    assert report.best.cost <= report.baseline_cost + 1e-6


@pytest.mark.parametrize("seed", range(12))
def test_ends_across_the_antimeridian(seed):
    """The metric frame is centred between the ends the short way round, not at lon 0."""
    rng = np.random.default_rng(seed)
    records = random_lines(rng, (179.999, 0.0), 40, 600.0)
    request = PlanRequest(start=Point(-179.998, 0.001), end=Point(179.998, -0.001),
                          needs={"subduct": 1}, max_detour=3.0)  # fmt: skip
    graph = PlanSettings(snap_m=30.0, trench_radius_m=600.0, trench_neighbours=4, end_neighbours=4)
    report = plan_route(AssetIndex(MemorySource(records)), request, rules.DEFAULT_COSTS, graph)
    expected = oracle_plan_cost(records, request, rules.DEFAULT_COSTS, graph)
    assert report.best.cost == pytest.approx(expected, abs=1e-6, rel=0)


@pytest.mark.parametrize("lat", [0.0, 20.0, 45.0, 60.0])
@pytest.mark.parametrize("ring", [12, 16, 24, 40])
def test_a_ring_of_equidistant_nodes_ranks_by_length_then_number(lat, ring):
    """Nodes at one geodesic distance from `from` (metric near-ties past the k + 2 fetched):
    the planner fetches more KD-tree candidates until none unfetched could rank."""
    geod = Geod(ellps="WGS84")
    start, end = (0.001, lat), (-0.001, lat)
    joint = geod.fwd(*end, 90, 5)[:2]
    records = [
        make_line(100 + k, [geod.fwd(*start, 360 * k / ring + 7, 100)[:2], joint])
        for k in range(ring)
    ]
    request = PlanRequest(start=Point(start), end=Point(end), needs={"subduct": 1}, max_detour=3.0)
    graph = PlanSettings(snap_m=2.0, trench_radius_m=250.0, trench_neighbours=1, end_neighbours=1)
    report = plan_route(AssetIndex(MemorySource(records)), request, rules.DEFAULT_COSTS, graph)
    expected = oracle_plan_cost(records, request, rules.DEFAULT_COSTS, graph)
    assert report.best.cost == pytest.approx(expected, abs=1e-6, rel=0)
