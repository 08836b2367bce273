"""Route reports stay byte-identical to the stored ones (before the compiled route kernels),
and the compiled linear referencing equals its numpy reference piece for piece."""

from __future__ import annotations

import numpy as np

from matching import linref
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
        for row, stretches in enumerate(slow.intervals):
            ends = [m for stretch in stretches for m in stretch]
            assert fast.laterals_at([row] * len(ends), ends) == [
                slow.lateral_at(row, m) for m in ends
            ]
        checked += len(found.pairs.row)
    assert checked > 0
