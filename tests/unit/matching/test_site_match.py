"""Site matching: what qualifies, how candidates rank, and what the report says."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import Point

from matching import AssetIndex, Capacity, MemorySource, SiteRequest, match_site
from tests.unit.matching.factories import make_point, offset

CENTRE = (116.40, 39.90)
NAN = math.nan


def site(records, **request):
    request.setdefault("location", Point(*CENTRE))
    request.setdefault("radius_m", 500.0)
    request.setdefault("needs", {"antenna_mount": 1})
    return match_site(AssetIndex(MemorySource(records)), SiteRequest(**request))


def near(asset_id: int, east_m: float, **kwargs):
    return make_point(asset_id, *offset(*CENTRE, east_m, 0), **kwargs)


def ids(report) -> list[int]:
    return [c.asset_id for c in report.candidates]


def test_an_empty_registry_means_build_new():
    report = site([])
    assert report.verdict == "build_new"
    assert report.candidates == ()
    assert "within 500 m" in report.reason


def test_the_nearest_tower_ranks_first_and_the_verdict_is_share():
    report = site([near(1, 300), near(2, 40), near(3, 150)])
    assert report.verdict == "share"
    assert ids(report) == [2, 3, 1]
    assert report.candidates[0].distance_m == pytest.approx(40, abs=0.01)


def test_assets_beyond_the_radius_are_not_candidates():
    assert ids(site([near(1, 499), near(2, 501)])) == [1]


def test_only_in_service_assets_qualify():
    records = [near(1, 10, status="planned"), near(2, 20, status="decommissioned"), near(3, 30)]
    assert ids(site(records)) == [3]


def test_an_asset_without_enough_free_mounts_does_not_qualify():
    records = [near(1, 10, capacity={"antenna_mount": Capacity(6, 1)}), near(2, 20)]
    assert ids(site(records, needs={"antenna_mount": 2})) == [2]


def test_street_lamps_take_small_cells_but_traffic_poles_do_not():
    lamp = near(1, 10, kind="pole", use="lighting", owner_id=4)
    traffic = near(2, 20, kind="pole", use="traffic", owner_id=4)
    assert ids(site([lamp, traffic])) == [1]


def test_power_utility_towers_can_take_antennas():
    report = site([near(1, 10, owner_id=3)])
    assert ids(report) == [1]
    assert report.candidates[0].owner_sector == "power"
    assert report.candidates[0].sharing_mode == "co_location"


def test_manholes_and_cabinets_never_host_antennas():
    records = [near(1, 10, kind="manhole"), near(2, 20, kind="cabinet")]
    assert site(records).verdict == "build_new"


def test_equal_distances_are_ordered_by_asset_id():
    east = offset(*CENTRE, 100, 0)
    west = offset(*CENTRE, -100, 0)
    records = [make_point(9, *east), make_point(4, *west), make_point(7, *east)]
    assert ids(site(records)) == [4, 7, 9]


def test_min_height_counts_only_free_mounts_at_or_above_it():
    high = near(1, 10, capacity={"antenna_mount": Capacity(6, 2, (35.0, 20.0))})
    low = near(2, 20, capacity={"antenna_mount": Capacity(6, 2, (25.0, 20.0))})
    assert ids(site([high, low], min_height_m=30.0)) == [1]
    assert ids(site([high, low], min_height_m=30.0, needs={"antenna_mount": 2})) == []


def test_a_mount_of_unknown_height_counts_at_the_asset_height():
    known_tower = near(1, 10, height_m=40.0, capacity={"antenna_mount": Capacity(6, 1, (NAN,))})
    unknown_tower = near(2, 20, height_m=None, capacity={"antenna_mount": Capacity(6, 1, (NAN,))})
    no_heights = near(3, 30, height_m=45.0, capacity={"antenna_mount": Capacity(6, 1)})
    assert ids(site([known_tower, unknown_tower, no_heights], min_height_m=35.0)) == [1, 3]


def test_kind_and_sector_filters_narrow_the_candidates():
    records = [near(1, 10, owner_id=1), near(2, 20, kind="rooftop", owner_id=2)]
    assert ids(site(records, kinds={"rooftop"})) == [2]
    assert ids(site(records, sectors={"tower_company"})) == [1]


def test_a_tower_company_outranks_an_operator_at_the_same_place():
    records = [near(1, 50, owner_id=2), near(2, 50, owner_id=1)]
    assert ids(site(records)) == [2, 1]


def test_the_limit_keeps_the_best_candidates():
    records = [near(i, 10 * i) for i in range(1, 21)]
    report = site(records, limit=3)
    assert ids(report) == [1, 2, 3]
    assert report.reason.startswith("20 existing structure(s)")


@pytest.mark.parametrize("lat", [-60.0, 60.0])
def test_matching_works_at_sixty_degrees_latitude(lat):
    centre = (10.0, lat)
    records = [make_point(1, *offset(*centre, 0, 450)), make_point(2, *offset(*centre, 450, 0))]
    report = site(records, location=Point(*centre))
    assert ids(report) == [1, 2] or ids(report) == [2, 1]
    assert [c.distance_m for c in report.candidates] == pytest.approx([450, 450], abs=0.01)


def test_matching_works_across_the_antimeridian():
    centre = (179.9995, -17.0)
    records = [make_point(1, *offset(*centre, 150, 0)), make_point(2, *offset(*centre, -80, 0))]
    report = site(records, location=Point(*centre))
    assert records[0].geometry.x < 0  # it really is on the other side
    assert ids(report) == [2, 1]
    assert report.candidates[1].distance_m == pytest.approx(150, abs=0.01)


def test_a_suggestion_carries_owner_mode_saving_score_and_an_explanation():
    (suggestion,) = site([near(1, 42.424)]).candidates
    assert suggestion.owner_ref == "TOW-1"
    assert suggestion.owner_name == "China Tower"
    assert suggestion.distance_m == 42.42
    assert suggestion.free == {"antenna_mount": 3}
    assert suggestion.estimated_saving == 120_000.0
    assert 0 < suggestion.score <= 100
    assert suggestion.explanation.endswith(".") and "42 m away" in suggestion.explanation
