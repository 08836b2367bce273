"""The engine's fast paths give exactly what the plain ways of computing the same thing give."""

from __future__ import annotations

import dataclasses
import itertools
import json

import numpy as np
import pytest
import shapely
import shapely.affinity
from pyproj import Geod
from shapely.geometry import Point

from matching import (
    AssetIndex,
    MemorySource,
    RouteRequest,
    SiteRequest,
    corridor,
    geo,
    kernels_boxes,
    match_route,
    match_site,
    site,
    site_rows,
)
from matching.candidates import RowFilter, Rows
from matching.coverage import CoverOption, _choose_owners
from matching.ingest import from_columns, ingest
from matching.oracle import oracle_site
from matching.path import PIECE_M, MetricPath, piece_boxes
from matching.ragged import Ragged, RaggedChain, RaggedView
from tests.unit.matching.factories import random_lines, random_points, random_route

GEOD = Geod(ellps="WGS84")
CENTRE = (151.2, -33.87)


def registry(seed: int = 3) -> MemorySource:
    rng = np.random.default_rng(seed)
    return MemorySource(
        random_points(rng, CENTRE, 300, 400.0) + random_lines(rng, CENTRE, 60, 400.0)
    )


def test_geodesic_distances_and_segment_lengths_equal_geod_inv():
    rng = np.random.default_rng(1)
    lons, lats = rng.uniform(-180, 180, 500), rng.uniform(-89, 89, 500)
    _, _, expected = GEOD.inv(np.full(500, 10.0), np.full(500, 20.0), lons, lats)
    assert np.array_equal(geo.geodesic_distances(10.0, 20.0, lons, lats), expected)
    _, _, steps = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    assert np.array_equal(geo.segment_lengths(lons, lats), steps)


def test_route_distances_equal_geos_and_keep_the_same_rows():
    rng = np.random.default_rng(2)
    for _ in range(50):
        path = MetricPath(random_route(rng, CENTRE, 800.0, vertices=6))
        rows = 25
        row = np.repeat(np.arange(rows), rng.integers(2, 5, rows))
        xy = np.column_stack([path.x, path.y])[0] + rng.normal(0, 400, (len(row), 2))
        xy[row == 0] = xy[row == 0][0]  # a line collapsed to a point
        ours, _ = corridor.row_distances(path, xy, row, rows, 60.0)
        route = shapely.linestrings(np.column_stack([path.x, path.y]))
        theirs = shapely.distance(route, shapely.linestrings(xy, indices=row))
        assert np.array_equal(ours <= 60.0, theirs <= 60.0)
        near = theirs <= 60.0
        assert ours[near] == pytest.approx(theirs[near], abs=1e-6)


def test_vectorised_site_scores_are_the_scalar_scores_to_the_last_bit():
    source = registry()
    request = SiteRequest(Point(*CENTRE), 900.0, {"antenna_mount": 1}, limit=1)
    found = AssetIndex(source).within_radius(*CENTRE, 900.0, points=True, lines=False)
    keep = site_rows.height_columns(found.rows, request)[0] & (found.rows.free[:, 0] >= 1)
    rows, distance = found.rows.take(np.flatnonzero(keep)), found.distance_m[keep]
    best = site_rows.height_columns(rows, request)[1]
    vector = site_rows.exact_scores(rows, distance, best, request)
    everyone = site_rows.site_candidates(rows, distance, best, np.arange(len(rows)), request)
    assert len(everyone) > 20
    for candidate, score in zip(everyone, vector.tolist(), strict=True):
        assert site.site_score(candidate, request) == round(score, 4) + 0.0


def test_reports_serialise_exactly_as_dataclasses_asdict():
    index = AssetIndex(registry())
    rng = np.random.default_rng(4)
    reports = [
        match_site(index, SiteRequest(Point(*CENTRE), 700.0, {"antenna_mount": 1})),
        match_route(index, RouteRequest(random_route(rng, CENTRE, 400.0), 80.0, {"subduct": 1})),
    ]
    for report in reports:
        assert report.to_dict() == dataclasses.asdict(report)
        assert json.dumps(report.to_dict(), sort_keys=True) == json.dumps(
            dataclasses.asdict(report), sort_keys=True
        )


def test_a_table_from_columns_answers_as_the_table_from_records():
    source = registry()
    owners: dict[int, str] = {}
    records = source.records()
    points = ingest([r for r in records if r.geometry.geom_type == "Point"], owners, line=False)
    lines = ingest([r for r in records if r.geometry.geom_type != "Point"], owners, line=True)
    direct = AssetIndex(source)
    direct.load(from_columns(points.columns(), line=False), lines, owners, source.current_seq())
    built = AssetIndex(source)
    request = SiteRequest(Point(*CENTRE), 800.0, {"antenna_mount": 2}, min_height_m=20.0)
    assert match_site(direct, request).to_dict() == match_site(built, request).to_dict()


def test_delta_points_found_by_bisection_are_those_a_full_scan_finds():
    rng = np.random.default_rng(5)
    table = ingest(random_points(rng, CENTRE, 400, 2_000.0), {}, line=False)
    table.kill(np.arange(0, 400, 7))
    for _ in range(40):
        lon, lat = geo.wrap_lon_delta(CENTRE[0] + rng.normal(0, 0.01)), CENTRE[1]
        box = np.array([[lon - 0.004, lat - 0.005, lon + 0.006, lat + 0.003]])
        x0, y0, x1, y1 = box[0]
        inside = (table.lon >= x0) & (table.lon <= x1) & (table.lat >= y0) & (table.lat <= y1)
        assert table.in_boxes(box).tolist() == np.flatnonzero(inside & table.alive).tolist()


def test_ragged_views_keep_the_rows_they_saw_while_the_table_is_rewritten():
    ragged = Ragged.from_strings(["alpha", "beta", "gamma"])
    view = RaggedView.of(ragged, np.array([2, 0]))
    ragged.set(2, np.frombuffer(b"GAMMA", dtype=np.uint8))
    assert view.strings(np.array([0, 1])) == ["gamma", "alpha"]
    later = RaggedView.of(ragged, np.array([2, 1]))
    assert later.strings(np.array([0, 1])) == ["GAMMA", "beta"]
    chain = RaggedChain([view, later])
    assert chain.strings(np.array([3, 0, 2])) == ["beta", "gamma", "GAMMA"]
    assert [chain.get_str(i) for i in range(4)] == ["gamma", "alpha", "GAMMA", "beta"]


def test_joined_rows_read_like_the_rows_of_each_part():
    table = ingest(random_points(np.random.default_rng(6), CENTRE, 30, 300.0), {}, line=False)
    owners = dict.fromkeys(table.owner.tolist(), "x")
    first, second = table.rows(np.arange(0, 10), owners), table.rows(np.arange(10, 30), owners)
    joined = Rows.concat([first, second])
    assert joined.refs.strings(np.arange(30)) == table.rows(np.arange(30), owners).refs.strings(
        np.arange(30)
    )


def _naive_owners(options) -> set[int]:
    """The owner cover written out with intervals and Python sums."""
    bounds = sorted({x for o in options for iv in o.intervals for x in iv})
    pieces = list(itertools.pairwise(bounds))
    owners = sorted({o.owner_id for o in options})
    covers = {
        w: [any(s <= a and b <= e for o in options if o.owner_id == w for s, e in o.intervals)
            for a, b in pieces]
        for w in owners
    }  # fmt: skip
    cost = {w: min(o.cost_per_m for o in options if o.owner_id == w) for w in owners}
    uncovered = [any(covers[w][k] for w in owners) for k in range(len(pieces))]
    chosen: set[int] = set()
    while True:
        gain = {
            w: round(sum(b - a for (a, b), c, u in zip(pieces, covers[w], uncovered, strict=True)
                         if c and u), 6)
            for w in owners
        }  # fmt: skip
        best = max(owners, key=lambda w: (gain[w], -cost[w], -w))
        if gain[best] <= 1e-6:
            return chosen
        chosen.add(best)
        uncovered = [u and not c for u, c in zip(uncovered, covers[best], strict=True)]


def test_the_owner_cover_equals_a_plain_greedy_cover():
    rng = np.random.default_rng(7)
    for _ in range(200):
        options = []
        for asset in range(int(rng.integers(1, 12))):
            s = sorted(rng.uniform(0, 1_000, 2 * int(rng.integers(1, 3))).round(1).tolist())
            intervals = tuple((s[k], s[k + 1]) for k in range(0, len(s), 2))
            owner, cost = int(rng.integers(1, 5)), float(rng.choice([0.5, 1.0, 4.0]))
            options.append(CoverOption(asset, owner, cost, intervals))
        assert _choose_owners(options) == _naive_owners(options)


def test_a_moved_asset_found_in_the_delta_ranks_with_the_base_ones():
    source = registry(8)
    index = AssetIndex(source)
    request = SiteRequest(Point(*CENTRE), 1_500.0, {"antenna_mount": 1}, limit=15)
    before = match_site(index, request)
    moved = source.get(before.candidates[-1].asset_id)
    source.put(dataclasses.replace(moved, geometry=Point(*CENTRE)))
    after = match_site(index, request).to_dict()
    expected = oracle_site(source.records(), request, source.current_seq()).to_dict()
    assert after == expected
    ranked = {c["asset_id"]: c for c in after["candidates"]}
    assert ranked[moved.id]["distance_m"] == 0.0


def test_one_compiled_scan_of_base_and_delta_points_finds_what_two_scans_find():
    source = registry(9)
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    rng = np.random.default_rng(9)
    points = [r for r in source.records() if r.geometry.geom_type == "Point"]
    for k, record in enumerate(points[:60]):  # moves and inserts land in the delta table
        where = Point(CENTRE[0] + rng.normal(0, 0.004), CENTRE[1] + rng.normal(0, 0.004))
        source.put(dataclasses.replace(record, id=record.id + 10**6 * (k % 2), geometry=where))
    index.catch_up()
    gen = index._gen
    row_filter = RowFilter.for_needs({"antenna_mount": 1})
    found = []
    for _ in range(30):
        lon, lat = CENTRE[0] + rng.normal(0, 0.004), CENTRE[1] + rng.normal(0, 0.004)
        boxes = geo.radius_boxes(lon, lat, 600.0)
        assert gen._fusable(boxes, row_filter)
        fused = gen.probe(boxes, row_filter, points=True, lines=False)
        base = gen.point_slots(boxes, row_filter)
        delta = gen._scan_delta(boxes, row_filter)
        expected = [(d, s.tolist()) for d, s in ((False, base), (True, delta)) if len(s)]
        assert [(t is gen.delta_points, s.tolist()) for t, s in fused] == (
            expected or [(False, [])]
        )
        found.append((len(base) > 0, len(delta) > 0))
    assert (True, True) in found  # the boxes did meet base and delta points


def test_the_compiled_line_scans_find_what_the_tree_probe_and_filter_find():
    source = registry(10)
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    lines = [r for r in source.records() if r.geometry.geom_type != "Point"]
    for record in lines[::5]:
        source.delete(record.id)  # tombstones in the base table
    for record in lines[1::4]:  # moved lines and new ones land in the delta table
        moved = shapely.affinity.translate(record.geometry, 1e-4, -1e-4)
        source.put(dataclasses.replace(record, geometry=moved))
        source.put(dataclasses.replace(record, id=record.id + 10**6, geometry=moved))
    source.delete(lines[1].id + 10**6)  # a tombstone in the delta table
    index.catch_up()
    gen, rng = index._gen, np.random.default_rng(10)
    found = found_delta = 0
    for needs in ({"fiber_core": 12}, {"subduct": 1}):
        row_filter = RowFilter.for_needs(needs)
        for _ in range(20):
            boxes = MetricPath(random_route(rng, CENTRE, 1_500.0)).search_boxes(60.0)
            slots = gen.line_slots(boxes)
            expected = gen.lines.select(slots, row_filter) if len(slots) else slots
            assert gen._scan_lines(boxes, row_filter).tolist() == expected.tolist()
            slots = gen.delta_lines.in_boxes(boxes)
            fresh = gen.delta_lines.select(slots, row_filter) if len(slots) else slots
            compiled = gen._filtered(gen.delta_lines, boxes, row_filter)
            assert compiled.tolist() == fresh.tolist()
            found += len(expected)
            found_delta += len(fresh)
    assert found > 20 and found_delta > 3


@pytest.mark.parametrize("centre", [CENTRE, (12.5, 71.0), (179.99, -16.5), (-179.995, 8.0)])
def test_compiled_search_boxes_are_the_numpy_boxes(centre):
    rng = np.random.default_rng(11)
    compiled = split = 0
    for _ in range(25):
        path = MetricPath(random_route(rng, centre, 3_000.0, vertices=int(rng.integers(2, 9))))
        margin = float(rng.uniform(5.0, 300.0))
        lon = path.lons[0] + geo.wrap_lon_delta(path.lons - path.lons[0])
        expected, _ = piece_boxes(lon, path.lats, path.seg_m, np.arange(len(path.seg_m)), margin)
        boxes, ok = kernels_boxes.piece_boxes(lon, path.lats, path.seg_m, margin, PIECE_M)
        if ok:
            assert boxes.tobytes() == expected.tobytes()  # to the last bit
            compiled += 1
        else:  # a box to split at the antimeridian: the numpy way splits it
            assert (expected[:, 0] <= -180.0).any() or (expected[:, 2] >= 180.0).any()
            split += 1
        assert path.search_boxes(margin).tobytes() == expected.tobytes()
    assert (split > 0) if abs(centre[0]) > 179 else (compiled == 25)


def test_the_live_filter_probes_exactly_the_live_assets_the_unfiltered_probe_finds():
    """RowFilter.live() (a near list's candidates) only sends the probe through the compiled
    scans: every status, kind and capacity passes, tombstones in base and delta do not."""
    source = registry(11)
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    rng = np.random.default_rng(11)
    records = list(source.records())
    for record in records[::30]:
        source.delete(record.id)  # tombstones in the base tables
    for k, record in enumerate(records[1::25]):  # moves and inserts land in the delta tables
        moved = shapely.affinity.translate(record.geometry, 2e-4, -1e-4)
        status = ("planned", "decommissioned", "in_service")[k % 3]
        source.put(dataclasses.replace(record, geometry=moved, status=status))
        source.put(dataclasses.replace(record, id=record.id + 10**6, geometry=moved))
    source.delete(records[1].id + 10**6)  # a tombstone in a delta table
    index.catch_up()
    gen, found = index._gen, {}
    for _ in range(40):
        lon, lat = CENTRE[0] + rng.normal(0, 0.003), CENTRE[1] + rng.normal(0, 0.003)
        boxes = geo.radius_boxes(lon, lat, float(rng.uniform(50, 900)))
        hits = [gen.probe(boxes, f, points=True, lines=True) for f in (RowFilter.live(), None)]
        live, plain = ({id(t): s.tolist() for t, s in h if len(s)} for h in hits)
        assert live == plain
        for table, slots in plain.items():
            found[table] = found.get(table, 0) + len(slots)
    assert len(found) == 4 and min(found.values()) > 3  # base and delta, points and lines
