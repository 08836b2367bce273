"""Barrier crossings: counted exactly, priced on new trench, and equal to the naive oracle."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, rules
from matching.planner import PlanRequest, PlanSettings, plan_route
from matching.planner.crossings import Barriers, count
from matching.planner.oracle import oracle_plan_cost
from tests.unit.matching.factories import GEOD, make_line, offset
from tests.unit.matching.test_planner_oracle import plans

LON, LAT = 9.52, 47.14


def _at(east: float, north: float) -> tuple[float, float]:
    return offset(LON, LAT, east, north)


def _edges(*pairs):
    a = np.array([_at(*p) for p, _ in pairs])
    b = np.array([_at(*q) for _, q in pairs])
    return a, b


def _barriers(*lines, kind="rail"):
    return Barriers.of([kind] * len(lines), [np.array([_at(*v) for v in line]) for line in lines])


def test_an_edge_across_a_line_crosses_it_once_and_one_beside_it_not_at_all():
    rail = _barriers([(0, -100), (0, 100)])
    a, b = _edges(((-50, 0), (50, 0)), ((10, 0), (60, 0)), ((-50, 0), (-10, 90)))
    assert count(a, b, rail)[:, 0].tolist() == [1, 0, 0]


def test_a_line_that_winds_across_an_edge_twice_is_crossed_twice():
    road = _barriers([(-20, -50), (-20, 50), (20, 50), (20, -50)], kind="major_road")
    a, b = _edges(((-50, 0), (50, 0)))
    assert count(a, b, road).tolist() == [[0, 2]]


def test_trench_between_manholes_on_a_barrier_runs_along_it_and_crosses_nothing():
    rail = _barriers([(0, 0), (100, 30), (200, 0)])
    a, b = rail.values[:-1], rail.values[1:]
    assert count(a, b, rail)[:, 0].tolist() == [0, 0]
    assert count(b, a, rail)[:, 0].tolist() == [0, 0]


@pytest.mark.parametrize("side", [-1, 1])
def test_stepping_onto_a_barrier_and_off_the_other_side_is_one_crossing(side):
    """Trench to a manhole on the rail line, then on: one crossing, whichever way walked."""
    rail = _barriers([(0, -100), (side * 5, 0), (0, 100)])
    on = rail.values[1]
    west, east = np.array([_at(-50, 3)]), np.array([_at(50, -7)])
    across = count(west, on[None], rail)[0, 0] + count(on[None], east, rail)[0, 0]
    back = count(east, on[None], rail)[0, 0] + count(on[None], west, rail)[0, 0]
    assert across == back == 1
    # there and back on one side: both steps or neither
    there = count(west, on[None], rail)[0, 0]
    assert count(on[None], west, rail)[0, 0] == there


def test_no_barriers_count_nothing():
    a, b = _edges(((-50, 0), (50, 0)))
    assert count(a, b, Barriers.empty()).sum() == 0
    assert count(a, b, None).sum() == 0


def _district():
    """Two ducts east and west of a rail line, and a duct that runs round its south end."""
    return [
        make_line(1, [_at(-300, 0), _at(-20, 0)]),
        make_line(2, [_at(20, 0), _at(300, 0)]),
        make_line(3, [_at(-20, -40), _at(-20, -560), _at(20, -560), _at(20, -40)]),
    ]


def test_a_rail_line_across_the_direct_trench_changes_the_cheapest_route():
    records = _district()
    request = PlanRequest(start=Point(_at(-310, 0)), end=Point(_at(310, 0)), needs={"subduct": 1},
                          max_detour=3.0)  # fmt: skip
    index = AssetIndex(MemorySource(records))
    free = plan_route(index, request)
    rail = _barriers([(0, -500), (0, 500)])
    crossed = plan_route(index, request, rules.DEFAULT_COSTS, PlanSettings(), rail)
    assert {leg.get("asset_id") for leg in free.best.legs} >= {1, 2}
    assert 3 not in {leg.get("asset_id") for leg in free.best.legs}
    assert 3 in {leg.get("asset_id") for leg in crossed.best.legs}  # round the line's end
    assert all("crossings" in leg for leg in crossed.best.legs if leg["type"] != "reuse")
    assert sum(leg["crossings"]["count"] for leg in crossed.best.legs
               if leg["type"] != "reuse") == 0  # fmt: skip
    assert crossed.baseline_cost == pytest.approx(free.baseline_cost + 25_000.0)
    assert "crossings" not in str(free.to_dict())  # without barriers: the answer of old


def test_a_crossing_leg_reports_its_crossings_and_the_explanation_names_them():
    records = _district()
    request = PlanRequest(start=Point(_at(-310, 0)), end=Point(_at(310, 0)), needs={"subduct": 1},
                          max_detour=1.2)  # fmt: skip
    rail = _barriers([(0, -500), (0, 500)])
    road = _barriers([(5, -500), (5, 500)], kind="major_road")
    both = Barriers.of(["rail", "major_road"], [rail.values, road.values])
    costs = dataclasses.replace(rules.DEFAULT_COSTS, crossing={"rail": 100.0})
    report = plan_route(AssetIndex(MemorySource(records)), request, costs, PlanSettings(), both)
    trench = [leg for leg in report.best.legs if leg["type"] != "reuse"]
    crossing = [leg for leg in trench if leg["crossings"]["count"]]
    assert len(crossing) == 1
    assert crossing[0]["crossings"] == {"count": 2, "kinds": {"rail": 1, "major_road": 1},
                                        "cost": 100 + 8_000}  # fmt: skip
    assert crossing[0]["cost"] == pytest.approx(crossing[0]["length_m"] * 120 + 100 + 8_000)
    assert "crosses 1 rail line and 1 major road" in report.to_dict()["explanation"]


@st.composite
def plans_with_barriers(draw):
    """The oracle test's registries, with rail lines and roads across and beside the ends."""
    records, request, graph = draw(plans())
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    start, end = (request.start.x, request.start.y), (request.end.x, request.end.y)
    mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    if abs(start[0] - end[0]) > 180:
        mid = start
    kinds, lines = [], []
    for _ in range(int(rng.integers(1, 6))):
        centre = offset(*mid, *rng.normal(0, 150, 2))
        heading = rng.uniform(0, 2 * np.pi)
        steps = np.cumsum(rng.uniform(30, 300, int(rng.integers(1, 5))))
        along = np.concatenate([[-rng.uniform(50, 400)], steps])
        wobble = rng.normal(0, 40, len(along))
        vertices = [offset(*centre, d * np.cos(heading) - w * np.sin(heading),
                           d * np.sin(heading) + w * np.cos(heading))
                    for d, w in zip(along, wobble, strict=True)]  # fmt: skip
        kinds.append(str(rng.choice(rules.BARRIER_KINDS)))
        lines.append(np.array(vertices))
    return records, request, graph, list(zip(kinds, lines, strict=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True, database=None)  # fmt: skip
@given(plans_with_barriers())
def test_the_planner_with_barriers_finds_the_oracles_optimum(case):
    records, request, graph, barriers = case
    costs = rules.DEFAULT_COSTS
    found = Barriers.of([k for k, _ in barriers], [line for _, line in barriers])
    report = plan_route(AssetIndex(MemorySource(records)), request, costs, graph, found)
    expected = oracle_plan_cost(records, request, costs, graph, barriers)
    assert report.best.cost == pytest.approx(expected, abs=1e-6, rel=0)
    assert sum(leg["cost"] for leg in report.best.legs) == pytest.approx(report.best.cost, abs=1e-6)
    assert report.best.cost <= report.baseline_cost + 1e-6


def test_a_long_edge_counts_a_barrier_where_it_bows_off_its_ends_latitude():
    """A 111 km edge along 60°N bows ~400 m north of it (a great circle): a short road
    across its middle, wholly north of both ends, is still crossed."""
    a, b = np.array([[0.0, 60.0]]), np.array([[2.0, 60.0]])
    (mid,) = GEOD.npts(0.0, 60.0, 2.0, 60.0, 1)
    assert mid[1] > 60.003
    road = Barriers.of(["major_road"], [np.array([[1.0, mid[1] - 5e-4], [1.0, mid[1] + 5e-4]])])
    assert count(a, b, road).tolist() == [[0, 1]]


def test_a_deployment_prices_its_crossings_and_a_bad_price_is_refused():
    costs = rules.Costs(crossing={"rail": 40_000})
    assert (costs.crossing_cost("rail"), costs.crossing_cost("major_road")) == (40_000, 8_000)
    for bad, words in [({"tram": 1.0}, "unknown barrier kind"), ({"rail": -1}, "at least 0")]:
        with pytest.raises(ValueError, match=words):
            rules.Costs(crossing=bad)
