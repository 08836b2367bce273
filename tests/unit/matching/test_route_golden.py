"""Route reports stay byte-identical to the stored ones (before the compiled route kernels),
and the compiled linear referencing equals its numpy reference piece for piece."""

from __future__ import annotations

import numpy as np

from matching import coverage, linref
from matching.path import MetricPath
from tests.unit.matching import golden_routes


def test_route_reports_equal_the_stored_golden_reports():
    found = golden_routes.dumps(golden_routes.reports()).splitlines()
    stored = golden_routes.load().splitlines()
    assert len(found) == len(stored)
    for k, (mine, theirs) in enumerate(zip(found, stored, strict=True)):
        assert mine == theirs, f"route report {k} differs from the golden one"


def test_compiled_linear_coverage_equals_the_numpy_reference():
    from bench.dataset import OWNER_NAMES, ArraySource, Dataset
    from matching import AssetIndex
    from matching.candidates import RowFilter
    from seed_data import benchmark

    dataset = Dataset(benchmark.generate_arrays(20_000, 4_000, extent_km=30.0))
    source = ArraySource(dataset)
    index = AssetIndex(source, rebuild_in_background=False)
    index.load(*dataset.tables(), OWNER_NAMES, source.current_seq())
    checked = 0
    for request in golden_routes.requests(dataset)[:40]:
        path = MetricPath(request.route)
        found = index.within_corridor(path, request.corridor_m, RowFilter.for_needs(request.needs))
        rows = len(found.rows)
        fast = linref.linear_coverage(path, found.pairs, rows, request.corridor_m)
        slow = linref.linear_coverage_numpy(path, found.pairs, rows, request.corridor_m)
        assert np.array_equal(fast.pieces, slow.pieces)
        assert fast.intervals == slow.intervals and fast.laterals == slow.laterals
        first, ends = coverage.flat(fast.intervals)  # what the report would rebuild
        assert np.array_equal(fast.flat[0], first) and np.array_equal(fast.flat[1], ends)
        for row, stretches in enumerate(slow.intervals):
            ends = [m for stretch in stretches for m in stretch]
            ends += [(lo + hi) / 2 for lo, hi in stretches] + [-5.0]  # inside, and outside
            assert fast.laterals_at([row] * len(ends), ends) == [
                slow.lateral_at(row, m) for m in ends
            ]
        checked += len(found.pairs.row)
    assert checked > 0


def test_compiled_row_distances_equal_the_numpy_reference():
    from shapely.geometry import LineString

    from matching import corridor

    rng = np.random.default_rng(5)
    for _ in range(20):
        steps = rng.normal(0, 0.003, (12, 2)).cumsum(axis=0) + np.array((114.3, 22.8))
        path = MetricPath(LineString(steps))
        n = int(rng.integers(1, 400))
        xy = rng.uniform(-300, 300, (n, 2)) + path.segments[0][rng.integers(0, 11, n)]
        xy[rng.random(n) < 0.05] = xy[0]  # repeated vertices: zero-length segments
        row = np.sort(rng.integers(0, max(1, n // 5), n))
        rows = int(row.max()) + 1
        for corridor_m in (0.5, 50.0, 250.0):
            fast, fast_pairs = corridor.row_distances(path, xy, row, rows, corridor_m)
            slow, slow_pairs = corridor.row_distances_numpy(path, xy, row, rows, corridor_m)
            assert np.array_equal(fast, slow)
            for mine, theirs in zip(fast_pairs, slow_pairs, strict=True):
                assert np.array_equal(mine, theirs)


def test_compiled_gap_ends_equal_the_paths_points_at():
    """The gap ends `route_gaps.features` places with `kernels_route_gaps` are exactly
    `MetricPath.points_at`'s, inside the route, at its vertices and beyond its ends."""
    from shapely.geometry import LineString

    from matching import kernels_route_gaps

    rng = np.random.default_rng(8)
    for _ in range(200):
        n = int(rng.integers(2, 25))
        steps = rng.normal(0, 0.02, (n, 2)).cumsum(axis=0) + np.array((108.0, 22.0))
        steps[1] = steps[0] if rng.random() < 0.2 else steps[1]  # a zero-length segment
        path = MetricPath(LineString(steps))
        inside = rng.uniform(-5.0, path.length_m + 5.0, 12)
        measures = np.concatenate([inside, path.start_m, [0.0, path.length_m]])
        x, y = kernels_route_gaps.metric_points(path.start_m, path.seg_m, path.x, path.y, measures)
        assert np.array_equal(np.column_stack(path.frame.to_lonlat(x, y)), path.points_at(measures))
