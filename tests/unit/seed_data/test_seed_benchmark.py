"""The vectorised benchmark generator, at small n."""

from __future__ import annotations

import csv
import dataclasses
import json

import numpy as np
import pytest

from seed_data import benchmark as bm
from seed_data import benchmark_io
from seed_data.spec import KINDS, LINE_KINDS, POINT_KINDS

N_POINTS, N_LINES = 20_000, 4_000


@pytest.fixture(scope="module")
def arrays():
    return bm.generate_arrays(N_POINTS, N_LINES, seed=3)


def _all_columns(a: bm.BenchmarkArrays) -> list[np.ndarray]:
    cols = [a.lon, a.lat, a.height, a.line_offsets, a.line_coords]
    for group in (a.points, a.lines):
        cols += [getattr(group, f.name) for f in dataclasses.fields(group)]
    return cols


def test_deterministic(arrays):
    again = bm.generate_arrays(N_POINTS, N_LINES, seed=3)
    for x, y in zip(_all_columns(arrays), _all_columns(again), strict=True):
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
    other = bm.generate_arrays(N_POINTS, N_LINES, seed=4)
    assert not np.array_equal(arrays.lon, other.lon)


def test_shapes_and_codes(arrays):
    p, q = arrays.points, arrays.lines
    for col in _all_columns(arrays)[5:]:
        assert len(col) in (N_POINTS, N_LINES)
    assert arrays.lon.shape == arrays.lat.shape == arrays.height.shape == (N_POINTS,)
    assert np.unique(np.concatenate([p.ids, q.ids])).size == N_POINTS + N_LINES
    assert {KINDS[k] for k in np.unique(p.kind)} == set(POINT_KINDS)
    assert {KINDS[k] for k in np.unique(q.kind)} == set(LINE_KINDS)
    for group in (p, q):
        assert np.all((group.free >= 0) & (group.free <= group.total))
        assert np.all((group.resource == bm.NO_RESOURCE) == (group.total == 0))
        assert group.owner.max() < len(bm.OWNERS)


def test_lines_layout(arrays):
    off = arrays.line_offsets
    assert off[0] == 0 and off[-1] == len(arrays.line_coords) and np.all(np.diff(off) >= 2)
    bounds = arrays.line_bounds()
    i = 17
    seg = arrays.line_coords[off[i] : off[i + 1]]
    assert np.allclose(bounds[i], [*seg.min(axis=0), *seg.max(axis=0)])


def test_inside_region_and_clustered(arrays):
    min_lon, min_lat, max_lon, max_lat = arrays.bbox
    for lon, lat in ((arrays.lon, arrays.lat), arrays.line_coords.T):
        assert lon.min() >= min_lon and lon.max() <= max_lon
        assert lat.min() >= min_lat and lat.max() <= max_lat
    hist, _, _ = np.histogram2d(arrays.lon, arrays.lat, bins=50)
    top = np.sort(hist.ravel())[::-1]
    assert top[:125].sum() > 0.5 * N_POINTS  # 5 % of the cells hold most assets


def test_sites_are_mostly_full(arrays):
    p = arrays.points
    sites = np.isin(p.kind, [bm.KIND_CODE[k] for k in ("tower", "rooftop", "indoor_system")])
    assert 0.65 <= np.mean(p.free[sites] <= 1) <= 0.8


def test_iter_features(arrays, check_features):
    features = list(bm.iter_features(arrays, start=100, stop=1100))
    assert len(features) == 1000 + N_LINES
    check_features(features, bm.orgs())
    first = features[0]["properties"]
    assert first["owner_ref"] == bm.owner_ref(arrays.points.kind[100], 100)
    assert features[0]["geometry"]["coordinates"] == [arrays.lon[100], arrays.lat[100]]
    refs = {f["properties"]["owner_ref"] for f in features}
    assert len(refs) == len(features)
    assert len(list(bm.iter_features(arrays, 0, 10, lines=False))) == 10


def test_write_csv(arrays, tmp_path):
    path = tmp_path / "points.csv"
    assert benchmark_io.write_csv(path, arrays, limit=500) == 500
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == benchmark_io.CSV_HEADER.split(",") and len(rows) == 500
    assert float(rows[3]["lon"]) == pytest.approx(arrays.lon[3], abs=1e-7)
    towers = [r for r in rows if r["kind"] == "tower"]
    assert towers and all(int(r["antenna_mount_total"]) >= 3 for r in towers)
    assert all(r["height_m"] == "" for r in rows if r["kind"] == "manhole")
    n = benchmark_io.write_csv(path, arrays, owner="china_tower_gx")
    assert n == int(np.sum(arrays.points.owner == bm.OWNERS.index("china_tower_gx")))


def test_write_geojson(arrays, tmp_path):
    path = tmp_path / "assets.geojson"
    assert benchmark_io.write_geojson(path, arrays, stop=50) == 50 + N_LINES
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 50 + N_LINES


def _neighbours(a: bm.BenchmarkArrays, cell_deg: float = 0.02) -> float:
    """Points sharing a ~2 km cell with a point, on average: the density a site query meets."""
    cells = np.floor(np.column_stack([a.lon, a.lat]) / cell_deg).astype(np.int64)
    _, counts = np.unique(cells, axis=0, return_counts=True)
    return float((counts.astype(float) ** 2).sum() / counts.sum())


def test_provinces_keep_the_density_of_one():
    one = bm.generate_arrays(N_POINTS, 0, seed=5)
    country = bm.generate_arrays(4 * N_POINTS, 0, seed=5, provinces=4)
    packed = bm.generate_arrays(4 * N_POINTS, 0, seed=5)
    ratio = _neighbours(country) / _neighbours(one)
    assert 0.7 < ratio < 1.4, ratio
    assert _neighbours(packed) / _neighbours(one) > 3
    width = lambda a: a.bbox[2] - a.bbox[0]  # noqa: E731
    assert width(country) == pytest.approx(2 * width(one), rel=1e-3)


def test_one_province_is_the_default_registry(arrays):
    again = bm.generate_arrays(N_POINTS, N_LINES, seed=3, provinces=1)
    for x, y in zip(_all_columns(arrays), _all_columns(again), strict=True):
        assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
