"""Randomised registries: the planner's optimum equals the naive oracle's within 1e-6."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, rules
from matching.planner import Constraints, PlanRequest, PlanSettings, plan_route
from matching.planner.oracle import oracle_plan_cost
from tests.unit.matching.factories import offset, random_lines

SETTINGS = settings(
    max_examples=60,
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
