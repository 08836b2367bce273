"""Shared by the batch-matching and audit tests: generated registries loaded into an index,
planned routes that partly run along existing lines, and equal audit results."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString

from bench.dataset import OWNER_NAMES, ArraySource, Dataset
from matching import AssetIndex
from seed_data import benchmark


def generated(n_points: int, n_lines: int, seed: int, extent_km: float) -> Dataset:
    """A clustered benchmark registry of that many point and line assets."""
    return Dataset(benchmark.generate_arrays(n_points, n_lines, seed=seed, extent_km=extent_km))


def loaded_index(dataset: Dataset) -> tuple[ArraySource, AssetIndex]:
    """The dataset as a source and an index loaded from it (in this thread, no rebuilds)."""
    source = ArraySource(dataset)
    index = AssetIndex(source, rebuild_in_background=False)
    index.load(*dataset.tables(), OWNER_NAMES, source.current_seq())
    return source, index


def along_existing_lines(dataset: Dataset, routes: list, rng, make=np.asarray) -> list:
    """`routes` with every third one (from the third) replaced by `make` of the vertices of a
    random existing line of ~100 m or more, so that some routes can share."""
    out, a = list(routes), dataset.arrays
    for k in range(2, len(out), 3):
        i = int(rng.integers(dataset.n_lines))
        coords = a.line_coords[a.line_offsets[i] : a.line_offsets[i + 1]]
        if LineString(coords).length > 1e-3:
            out[k] = make(coords)
    return out


def assert_same_audit(a, b) -> None:
    """Two `registry.batch.audit.AuditResult`s hold the same columns, rows and summary."""
    for name in ("plans", "candidates"):
        mine, theirs = getattr(a, name), getattr(b, name)
        assert mine.keys() == theirs.keys()
        for column in mine:
            np.testing.assert_array_equal(mine[column], theirs[column], err_msg=column)
    assert a.summary == b.summary
