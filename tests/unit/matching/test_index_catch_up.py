"""The index catches up from the change feed before every query."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
from shapely.geometry import LineString, Point

from matching import AssetIndex, Capacity, MemorySource, SiteRequest, match_site
from matching.index import RTree, probe
from matching.oracle import oracle_site
from matching.path import MetricPath
from tests.unit.matching.factories import GEOD, make_line, make_point, offset, random_points

CENTRE = (2.35, 48.85)
REQUEST = SiteRequest(Point(*CENTRE), 500.0, {"antenna_mount": 1}, limit=100)


def near(asset_id: int, east_m: float, **kwargs):
    return make_point(asset_id, *offset(*CENTRE, east_m, 0), **kwargs)


def ids(index) -> list[int]:
    return [c.asset_id for c in match_site(index, REQUEST).candidates]


def test_a_new_asset_is_seen_by_the_next_query():
    source = MemorySource([near(1, 100)])
    index = AssetIndex(source)
    assert ids(index) == [1]
    source.put(near(2, 50))
    assert ids(index) == [2, 1]
    assert index.stats()["delta_points"] == 1


def test_a_moved_asset_is_found_at_its_new_place_only():
    source = MemorySource([near(1, 100), near(2, 200)])
    index = AssetIndex(source)
    source.put(near(1, 900))
    assert ids(index) == [2]
    source.put(near(1, 10))
    assert ids(index) == [1, 2]
    assert index.stats()["dead"] == 1


def test_a_capacity_change_is_applied_in_place():
    source = MemorySource([near(1, 100), near(2, 200)])
    index = AssetIndex(source)
    index.catch_up()
    source.put(near(1, 100, capacity={"antenna_mount": Capacity(6, 0)}))
    assert ids(index) == [2]
    assert index.stats()["delta_points"] == 0
    source.put(near(1, 100, capacity={"antenna_mount": Capacity(6, 5, (31.0,) * 5)}))
    (first, _) = match_site(index, REQUEST).candidates
    assert first.free == {"antenna_mount": 5}


def test_a_deleted_asset_disappears():
    source = MemorySource([near(1, 100), near(2, 200)])
    index = AssetIndex(source)
    index.catch_up()
    source.delete(1)
    assert ids(index) == [2]


def test_an_asset_that_changes_family_moves_between_the_point_and_line_tables():
    source = MemorySource([near(1, 100)])
    index = AssetIndex(source)
    index.catch_up()
    source.put(make_line(1, [offset(*CENTRE, 0, 0), offset(*CENTRE, 100, 0)]))
    assert ids(index) == []
    stats = index.stats()
    assert (stats["dead"], stats["delta_lines"]) == (1, 1)


def test_the_report_is_stamped_with_the_seq_it_answered_at():
    source = MemorySource([near(1, 100)])
    index = AssetIndex(source)
    first = match_site(index, REQUEST).registry_seq
    seq = source.put(near(2, 50))
    assert first < seq == match_site(index, REQUEST).registry_seq


def test_records_with_unknown_vocabulary_are_skipped_not_fatal():
    bad = dataclasses.replace(near(2, 50), status="haunted")
    index = AssetIndex(MemorySource([near(1, 100), bad]))
    assert ids(index) == [1]


def test_a_growing_delta_is_compacted_and_answers_stay_equal_to_the_oracle():
    rng = np.random.default_rng(11)
    source = MemorySource(random_points(rng, CENTRE, 300, 300.0))
    index = AssetIndex(source, delta_limit=20, rebuild_in_background=False)
    index.build()
    for asset_id in range(1, 200, 3):
        source.put(dataclasses.replace(random_points(rng, CENTRE, 1, 300.0)[0], id=asset_id))
        index.catch_up()
    assert index.stats()["rebuilds"] >= 1
    expected = oracle_site(source.records(), REQUEST, source.current_seq())
    assert match_site(index, REQUEST).to_dict() == expected.to_dict()


def test_a_background_compaction_replays_writes_made_while_it_ran():
    rng = np.random.default_rng(12)
    source = MemorySource(random_points(rng, CENTRE, 500, 300.0))
    index = AssetIndex(source, delta_limit=5)
    index.build()
    for asset_id in range(1, 120):
        source.put(dataclasses.replace(random_points(rng, CENTRE, 1, 300.0)[0], id=asset_id))
        index.catch_up()
    deadline = time.monotonic() + 10
    while index.stats()["rebuilds"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
        source.put(dataclasses.replace(random_points(rng, CENTRE, 1, 300.0)[0], id=1))
        index.catch_up()
    assert index.stats()["rebuilds"] >= 1
    expected = oracle_site(source.records(), REQUEST, source.current_seq())
    assert match_site(index, REQUEST).to_dict() == expected.to_dict()


def test_lines_are_found_within_a_radius_of_a_point():
    line = make_line(7, [offset(*CENTRE, -500, 30), offset(*CENTRE, 500, 30)])
    found = AssetIndex(MemorySource([line])).within_radius(*CENTRE, 40.0)
    assert found.rows.asset_id.tolist() == [7]
    assert abs(found.distance_m[0] - 30) < 0.05


def test_a_line_crossing_the_antimeridian_is_found_from_both_sides():
    line = make_line(8, [(179.9990, 0.0), (-179.9990, 0.0)])
    index = AssetIndex(MemorySource([line]))
    assert index.within_radius(179.9995, 0.0, 10.0).rows.asset_id.tolist() == [8]
    assert index.within_radius(-179.9995, 0.0, 10.0).rows.asset_id.tolist() == [8]


def test_a_long_straight_line_is_found_where_it_bulges_off_its_box():
    # A 300 km east-west cable at 55°N runs along the geodesic, which bows ~2.5 km north of
    # the parallel that bounds its vertices; the grown line box must still contain it.
    line = make_line(9, [(0.0, 55.0), (4.7, 55.0)], kind="fiber_cable")
    ((mid_lon, mid_lat),) = GEOD.npts(0.0, 55.0, 4.7, 55.0, 1)
    index = AssetIndex(MemorySource([line]))
    found = index.within_radius(mid_lon, mid_lat, 200.0)
    assert mid_lat - 55.0 > 0.02
    assert found.rows.asset_id.tolist() == [9]
    assert found.distance_m[0] < 5.0


def test_the_direct_tree_probe_finds_what_rtree_intersection_finds():
    rng = np.random.default_rng(3)
    mins = rng.uniform(-10, 10, (500, 2))
    tree = RTree(mins, mins + rng.uniform(0, 0.5, (500, 2)))
    for box in ([-1.0, -1.0, 1.0, 1.0], [5.0, 5.0, 5.1, 5.1], [50.0, 50.0, 51.0, 51.0]):
        assert sorted(probe(tree._index, box).tolist()) == sorted(tree._index.intersection(box))


def test_a_long_route_probes_box_by_box_and_still_finds_its_ducts():
    start = (100.0, 30.0)
    path = MetricPath(LineString([start, offset(*start, 450_000, 20_000)]))
    on_route = path.points_at(np.arange(1, 11) * 40_000.0)
    ducts = [
        make_line(k, [offset(*on_route[k - 1], 0, 30), offset(*on_route[k - 1], 900, 70)])
        for k in range(1, 11)
    ]
    found = AssetIndex(MemorySource(ducts)).within_corridor(path, 100.0)
    assert sorted(found.rows.asset_id.tolist()) == list(range(1, 11))


def test_owner_refs_and_mount_heights_follow_updates_through_compaction():
    rng = np.random.default_rng(21)
    source = MemorySource([*random_points(rng, CENTRE, 400, 2_000.0), near(7, 30)])
    index = AssetIndex(source, delta_limit=3, rebuild_in_background=False)
    index.build()
    renamed = dataclasses.replace(
        near(7, 30), owner_ref="NEW-REF-7", capacity={"antenna_mount": Capacity(6, 1, (44.0,))}
    )
    source.put(renamed)
    high = SiteRequest(Point(*CENTRE), 100.0, {"antenna_mount": 1}, min_height_m=40.0)
    (suggestion,) = [c for c in match_site(index, high).candidates if c.asset_id == 7]
    assert suggestion.owner_ref == "NEW-REF-7"
    for asset_id in range(1, 6):  # moves that overflow the delta and force a compaction
        source.put(dataclasses.replace(random_points(rng, CENTRE, 1, 2_000.0)[0], id=asset_id))
    (suggestion,) = [c for c in match_site(index, high).candidates if c.asset_id == 7]
    assert index.stats()["rebuilds"] >= 1
    assert suggestion.owner_ref == "NEW-REF-7"
