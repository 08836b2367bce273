"""Route matching: corridor coverage, gaps, the cover and the verdict."""

from __future__ import annotations

import pytest
from shapely.geometry import LineString

from matching import AssetIndex, Capacity, MemorySource, RouteRequest, match_route
from tests.unit.matching.factories import GEOD, make_line, offset

START = (116.40, 39.90)


def along(east_m: float, north_m: float = 0.0, origin=START) -> tuple[float, float]:
    return offset(*origin, east_m, north_m)


def route(records, east_from=0.0, east_to=2_000.0, origin=START, **request):
    request.setdefault("corridor_m", 50.0)
    request.setdefault("needs", {"subduct": 1})
    line = LineString([along(east_from, 0, origin), along(east_to, 0, origin)])
    return match_route(AssetIndex(MemorySource(records)), RouteRequest(route=line, **request))


def duct(asset_id, east_from, east_to, north=20.0, owner_id=2, **kwargs):
    return make_line(
        asset_id, [along(east_from, north), along(east_to, north)], owner_id=owner_id, **kwargs
    )


def test_a_duct_alongside_the_whole_route_covers_it_and_the_verdict_is_share():
    report = route([duct(1, -100, 2_100)])
    assert report.verdict == "share"
    assert report.coverage_ratio == pytest.approx(1.0, abs=1e-4)
    assert report.gaps["features"] == []
    assert report.new_build_m == pytest.approx(0, abs=0.01)
    assert report.trench_avoided_m == report.coverage_m


def test_a_duct_along_half_the_route_leaves_a_gap_and_the_verdict_is_build_new():
    report = route([duct(1, 0, 1_000, north=0.0)])
    assert report.verdict == "build_new"
    # The duct covers what it runs along, not the corridor's reach past its end.
    assert report.coverage_m == pytest.approx(1_000, abs=0.01)
    (gap,) = report.gaps["features"]
    assert gap["properties"]["from_m"] == pytest.approx(1_000, abs=0.01)
    assert gap["properties"]["to_m"] == pytest.approx(report.route_length_m, abs=0.01)
    first, last = gap["geometry"]["coordinates"][0], gap["geometry"]["coordinates"][-1]
    assert GEOD.inv(*first, *last)[2] == pytest.approx(gap["properties"]["length_m"], abs=0.5)


def test_the_share_threshold_is_configurable():
    assert route([duct(1, 0, 1_000, north=0.0)], share_threshold=0.5).verdict == "share"


def test_ducts_outside_the_corridor_or_without_free_subducts_are_ignored():
    far = duct(1, 0, 2_000, north=80.0)
    full = duct(2, 0, 2_000, capacity={"subduct": Capacity(4, 0)})
    planned = duct(3, 0, 2_000, status="planned")
    assert route([far, full, planned]).candidates == ()


def test_only_kinds_the_rules_allow_serve_each_need():
    records = [
        duct(1, 0, 2_000),
        make_line(2, [along(0, 10), along(2_000, 10)], kind="fiber_cable"),
    ]
    assert [c.asset_id for c in route(records, needs={"fiber_core": 4}).candidates] == [2]
    assert [c.asset_id for c in route(records, needs={"subduct": 1}).candidates] == [1]


def test_candidates_rank_by_covered_metres_then_distance_then_id():
    records = [duct(5, 0, 500), duct(3, 0, 2_000, north=30.0), duct(4, 0, 2_000, north=10.0)]
    assert [c.asset_id for c in route(records).candidates] == [4, 3, 5]


def test_the_cover_prefers_one_owner_over_several():
    records = [
        duct(1, 0, 1_000, owner_id=2),
        duct(2, 1_000, 2_000, owner_id=3),
        duct(3, 0, 2_000, north=40.0, owner_id=4),
    ]
    report = route(records)
    assert {leg.asset_id for leg in report.cover} == {3}
    assert report.cover[0].length_m == pytest.approx(report.route_length_m, abs=0.01)


def test_the_cover_stitches_assets_of_one_owner_end_to_end():
    records = [duct(1, -50, 1_000, owner_id=2), duct(2, 900, 2_050, owner_id=2)]
    legs = [(leg.asset_id, leg.from_m, leg.to_m) for leg in route(records).cover]
    assert [asset for asset, _, _ in legs] == [1, 2]
    assert legs[0][2] == legs[1][1]


def test_fibre_cores_of_an_operator_are_swapped_and_of_a_utility_leased():
    records = [
        make_line(1, [along(0, 5), along(2_000, 5)], kind="fiber_cable", owner_id=2),
        make_line(2, [along(0, 9), along(2_000, 9)], kind="fiber_cable", owner_id=3),
    ]
    modes = {c.asset_id: c.sharing_mode for c in route(records, needs={"fiber_core": 2}).candidates}
    assert modes == {1: "core_swap", 2: "core_lease"}


def test_a_duct_crossing_the_route_at_a_slant_covers_only_its_image():
    # At 45° the 141 m of the duct inside a 50 m corridor run along 100 m of the route.
    crossing = make_line(1, [along(700, -300), along(1_300, 300)])
    (candidate,) = route([crossing]).candidates
    assert candidate.covered_m == pytest.approx(100, abs=0.05)
    assert candidate.distance_m == 0


@pytest.mark.parametrize("origin", [(179.999, 45.0), (-60.0, -60.0), (10.0, 60.0)])
def test_routes_at_sixty_degrees_and_across_the_antimeridian_are_covered(origin):
    records = [make_line(1, [along(-100, 20, origin), along(2_100, 20, origin)])]
    report = route(records, origin=origin)
    assert report.route_length_m == pytest.approx(2_000, abs=0.01)
    assert report.coverage_ratio == pytest.approx(1.0, abs=1e-4)


def test_the_report_carries_registry_seq_and_the_request_echo():
    report = route([duct(1, 0, 2_000)])
    data = report.to_dict()
    assert data["registry_seq"] >= 1
    assert data["request"]["corridor_m"] == 50.0
    assert set(data) >= {
        "route_length_m",
        "coverage_m",
        "coverage_ratio",
        "gaps",
        "cover",
        "trench_avoided_m",
        "new_build_m",
    }
