"""Crossing points of a plan: as many marks per kind as the planner counted, on both lines."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, rules
from matching.planner import PlanRequest, PlanSettings, plan_route
from matching.planner.crossings import Barriers
from registry.engine import crossing_points
from registry.engine.planner import _coarse_joins
from tests.unit.matching.factories import make_line
from tests.unit.matching.test_planner_crossings import _at, _barriers, _district
from tests.unit.matching.test_planner_crossings import plans_with_barriers as barrier_cases

ON = 1e-6  # degrees: a mark is on a line when this close (coordinates are rounded to 1e-7)
# A barrier segment of a kilometre, drawn straight in lon/lat, bows off the plan's straight
# chord by decimetres: a mark is on a barrier when within about a metre of its lon/lat line.
ON_BARRIER = 1e-5


def _marked(records, request, barriers: Barriers, costs=rules.DEFAULT_COSTS) -> dict:
    report = plan_route(AssetIndex(MemorySource(records)), request, costs, PlanSettings(), barriers)
    return crossing_points.mark(report.to_dict(), barriers)


def _legs(plan: dict):
    return [leg for option in [plan, *plan["alternatives"]] for leg in option["legs"]]


def _kinds(points) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in points:
        out[p["kind"]] = out.get(p["kind"], 0) + 1
    return out


def test_a_trench_across_a_rail_line_and_a_road_marks_both_where_it_crosses_them():
    request = PlanRequest(start=Point(_at(-310, 0)), end=Point(_at(310, 0)), needs={"subduct": 1},
                          max_detour=1.2)  # fmt: skip
    rail, road = _barriers([(0, -500), (0, 500)]), _barriers([(5, -500), (5, 500)])
    both = Barriers.of(["rail", "major_road"], [rail.values, road.values])
    costs = dataclasses.replace(rules.DEFAULT_COSTS, crossing={"rail": 100.0})
    plan = _marked(_district(), request, both, costs)
    (leg,) = [leg for leg in plan["legs"] if leg.get("crossings", {}).get("count")]
    points = leg["crossings"]["points"]
    assert [p["kind"] for p in points] == ["rail", "major_road"]  # walked west to east
    trench = shapely.geometry.shape(leg["geometry"])
    for p, line in zip(points, [rail.values, road.values], strict=True):
        at = Point(p["coordinates"])
        assert at.distance(shapely.LineString(line)) < ON and at.distance(trench) < ON
    others = [other for other in plan["legs"] if other["type"] != "reuse" and other is not leg]
    assert others and all("points" not in other["crossings"] for other in others)


@pytest.mark.parametrize("side", [-1, 1])
def test_a_lateral_from_a_duct_that_ends_on_the_rail_line_is_marked_at_that_end(side):
    rail = _barriers([(0, -400), (side * 5, 0), (0, 400)])
    on = tuple(rail.values[1])
    request = PlanRequest(start=Point(_at(-60, 0)), end=Point(_at(310, 0)), needs={"subduct": 1},
                          max_detour=1.2)  # fmt: skip
    plan = _marked([make_line(1, [on, _at(300, 0)])], request, rail)
    laterals = [leg for leg in plan["legs"] if leg["type"] != "reuse"]
    assert sum(leg["crossings"]["count"] for leg in laterals) == 1  # west of the line to east
    for leg in laterals:
        points = leg["crossings"].get("points", [])
        assert len(points) == leg["crossings"]["count"]
        for p in points:
            assert Point(p["coordinates"]).distance(Point(on)) < ON


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True, database=None)  # fmt: skip
@given(barrier_cases())
def test_every_counted_crossing_is_marked_on_its_leg_and_on_a_barrier_of_its_kind(case):
    """Away from the antimeridian and the poles (where lon/lat lines are not the plan's, and
    the marks may fall short of the count) every crossing is marked where it is."""
    records, request, graph, lines = case
    barriers = Barriers.of([k for k, _ in lines], [line for _, line in lines])
    report = plan_route(AssetIndex(MemorySource(records)), request, rules.DEFAULT_COSTS, graph,
                        barriers)  # fmt: skip
    plan = crossing_points.mark(report.to_dict(), barriers)
    for leg in _legs(plan):
        crossed = leg.get("crossings") or {"count": 0, "kinds": {}}
        marked, trench = _kinds(crossed.get("points", [])), shapely.geometry.shape(leg["geometry"])
        assert all(n <= crossed["kinds"].get(kind, 0) for kind, n in marked.items())
        if not all(_plain(line, trench) for _, line in lines):
            continue
        assert marked == crossed["kinds"]
        for p in crossed.get("points", []):
            at = Point(p["coordinates"])
            near = [shapely.LineString(line) for kind, line in lines if kind == p["kind"]]
            assert at.distance(trench) < ON and min(at.distance(n) for n in near) < ON_BARRIER


def _plain(lonlat: np.ndarray, leg) -> bool:
    """Away from the antimeridian and the poles, where lon/lat lines are the plan's lines."""
    lon = np.concatenate([lonlat[:, 0], shapely.get_coordinates(leg)[:, 0]])
    lat = np.concatenate([lonlat[:, 1], shapely.get_coordinates(leg)[:, 1]])
    return lon.max() - lon.min() < 90 and np.abs(lat).max() < 80


def test_no_barriers_leave_the_plan_as_it_was():
    plan = {"legs": [{"type": "new_trench", "crossings": {"count": 0, "kinds": {}}}],
            "alternatives": []}  # fmt: skip
    assert crossing_points.mark(plan, None) == plan
    assert crossing_points.mark(plan, Barriers.empty()) == plan


def test_a_lateral_coarsened_beside_a_masked_asset_loses_its_exact_crossing_points():
    line = [[9.52, 47.14], [9.521, 47.141]]
    crossed = {"count": 1, "kinds": {"rail": 1}, "cost": 25_000.0,
               "points": [{"kind": "rail", "coordinates": [9.5205, 47.1405]}]}  # fmt: skip
    legs = [
        {"type": "lateral", "geometry": {"type": "LineString", "coordinates": line},
         "crossings": crossed},
        {"type": "reuse", "masked": True, "geometry": None},
    ]  # fmt: skip
    lateral = _coarse_joins(legs, 100.0)[0]
    assert lateral["masked"] and lateral["crossings"] == {
        "count": 1, "kinds": {"rail": 1}, "cost": 25_000.0}  # fmt: skip
    assert np.array(lateral["geometry"]["coordinates"]).tolist() != line
