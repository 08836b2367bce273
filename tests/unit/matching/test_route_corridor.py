"""The one-call corridor coverage (`route_corridor.near_route`) equals the probe, refinement
and linear referencing it replaces (`within_corridor` + `linref.linear_coverage`), value for
value, on a fresh index and after caught-up writes (delta lines and tombstones)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from matching import linref, route_corridor
from matching.candidates import RowFilter
from matching.kernels_route_corridor import _stable_order
from matching.path import MetricPath
from matching.route import candidates_from
from tests.unit.matching import golden_routes


@pytest.fixture(scope="module")
def registry():
    from bench.dataset import OWNER_NAMES, ArraySource, Dataset
    from matching import AssetIndex
    from seed_data import benchmark

    dataset = Dataset(benchmark.generate_arrays(20_000, 4_000, extent_km=30.0))
    source = ArraySource(dataset)
    index = AssetIndex(source, rebuild_in_background=False)
    index.load(*dataset.tables(), OWNER_NAMES, source.current_seq())
    return dataset, source, index


def _assert_same(index, request) -> int:
    path = MetricPath(request.route)
    row_filter = RowFilter.for_needs(request.needs)
    found = index.within_corridor(path, request.corridor_m, row_filter)
    slow = linref.linear_coverage(path, found.pairs, len(found.rows), request.corridor_m)
    slow_intervals = [tuple(s) for s in slow.intervals]
    slow_laterals = [tuple(s) for s in slow.laterals]
    expected = candidates_from(found.rows, found.distance_m, slow_intervals, slow_laterals, request)
    boxes = path.search_boxes(request.corridor_m)

    def read(gen):
        hits = gen.probe(boxes, row_filter, points=False, lines=True)
        return route_corridor.near_route(hits, path, request, gen.owners)

    _, (candidates, fast) = index.read_generation(read)
    assert candidates == expected
    assert [tuple(map(type, c)) for c in candidates] == [tuple(map(type, c)) for c in expected]
    assert np.array_equal(fast.pieces, slow.pieces) and np.array_equal(fast._first, slow._first)
    assert (fast.geometry is None) == (slow.geometry is None)
    if slow.geometry is not None:
        assert np.array_equal(fast.geometry.proj, slow.geometry.proj)
    assert fast.intervals == slow_intervals and fast.laterals == slow_laterals
    assert all(np.array_equal(a, b) for a, b in zip(fast.flat, slow.flat, strict=True))
    for row, stretches in enumerate(slow.intervals):
        ends = [m for stretch in stretches for m in stretch] + [-5.0]
        at = [row] * len(ends)
        assert fast.laterals_at(at, ends) == slow.laterals_at(at, ends)
    return len(found.pairs.row)


def test_one_call_coverage_equals_the_probe_and_linear_referencing(registry):
    dataset, _, index = registry
    checked = sum(_assert_same(index, r) for r in golden_routes.requests(dataset)[:40])
    assert checked > 0


def test_one_call_coverage_equals_them_with_delta_lines_and_tombstones(registry):
    from bench import workload

    dataset, source, index = registry
    workload.apply_changes(source, 3_000, np.random.default_rng(3))
    index.catch_up()
    assert len(index._gen.delta_lines) > 0
    requests = golden_routes.requests(dataset)[40:80]
    wide = [dataclasses.replace(r, corridor_m=300.0) for r in requests[:10]]
    assert sum(_assert_same(index, r) for r in requests + wide) > 0


def test_the_compiled_stable_order_is_lexsorts():
    rng = np.random.default_rng(4)
    for n in (0, 1, 2, 7, 64, 301):
        keys = [rng.integers(0, 3, n).astype(np.float64) for _ in range(4)]
        keys[2][rng.random(n) < 0.3] = -0.0  # equal to 0.0, as for lexsort
        row = rng.integers(0, 4, n)
        expected = np.lexsort((keys[3], keys[2], keys[1], keys[0], row))
        assert np.array_equal(_stable_order(row, *keys), expected)


def test_one_call_coverage_reads_rewritten_line_vertices_where_they_were_rewritten():
    from bench.dataset import OWNER_NAMES, ArraySource, Dataset
    from matching import AssetIndex
    from seed_data import benchmark

    dataset = Dataset(benchmark.generate_arrays(20_000, 4_000, extent_km=30.0))
    source = ArraySource(dataset)
    index = AssetIndex(source, rebuild_in_background=False)
    index.load(*dataset.tables(), OWNER_NAMES, source.current_seq())
    request = golden_routes.requests(dataset)[0]
    path = MetricPath(request.route)
    row_filter = RowFilter.for_needs(request.needs)
    gen = index._gen
    hits = gen.probe(path.search_boxes(request.corridor_m), row_filter, points=False, lines=True)
    (table, slots), *_ = hits
    assert table is gen.lines and len(slots) > 1
    # Lines are never rewritten in place today (a move is a tombstone and a delta row), but
    # the Ragged allows it: the vertices must then come from the overrides (~1 m east here).
    table.coords.set_many({s: table.coords.get(s) + np.array([1e-5, 0.0]) for s in slots[::2]})
    assert _assert_same(index, request) > 0
