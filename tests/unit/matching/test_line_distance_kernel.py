"""The compiled point-to-lines distance is GEOS's, bit for bit, and compiles at warm-up."""

from __future__ import annotations

import numpy as np
import shapely

from matching import AssetIndex
from matching.kernels_distance import point_to_lines
from matching.kernels_warm import warm_up
from registry.db.spatial_sql import lines_distance_m
from tests.unit.matching.test_fast_paths import registry


def _lines(rng, scale: float, snapped: bool):
    counts = rng.integers(2, 10, rng.integers(1, 40))
    xy = rng.normal(0.0, scale, (counts.sum(), 2))
    if snapped:  # repeated vertices (zero-length segments) and collinear runs
        xy = np.round(xy / scale * 2) * scale / 2
    return counts, xy


def test_point_to_lines_is_geos_distance_bit_for_bit():
    rng = np.random.default_rng(5)
    for trial in range(400):
        counts, xy = _lines(rng, 10 ** rng.uniform(0, 4), snapped=trial % 3 == 0)
        px, py = xy[rng.integers(len(xy))] if trial % 4 == 0 else rng.normal(0, 100, 2)
        owner = np.repeat(np.arange(len(counts)), counts)
        expected = shapely.distance(shapely.points(px, py), shapely.linestrings(xy, indices=owner))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        got = point_to_lines(px, py, xy[:, 0].copy(), xy[:, 1].copy(), offsets)
        assert got.tobytes() == expected.tobytes()


def test_lines_distance_m_measures_each_shape_as_one_line_of_its_coordinates():
    line = shapely.LineString([(108.30, 22.80), (108.31, 22.80), (108.31, 22.80), (108.31, 22.81)])
    ring = shapely.Polygon([(108.32, 22.80), (108.33, 22.80), (108.33, 22.81)]).exterior
    alone = [float(lines_distance_m([g], 108.305, 22.805)[0]) for g in (line, ring)]
    assert lines_distance_m([line, ring], 108.305, 22.805).tolist() == alone
    assert 0 < alone[0] < alone[1]
    assert lines_distance_m([], 108.3, 22.8).shape == (0,)


def test_line_queries_after_the_warm_up_compile_nothing_new():
    warm_up()
    compiled = len(point_to_lines.signatures)
    source = registry(seed=8)
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    line = next(r for r in source.records() if r.geometry.geom_type == "LineString")
    centre = line.geometry.interpolate(0.5, normalized=True)
    found = index.within_radius(centre.x, centre.y, 2_000.0, None)
    assert line.id in found.rows.asset_id.tolist()
    lines_distance_m([line.geometry], centre.x, centre.y)
    assert len(point_to_lines.signatures) == compiled


def test_lines_distance_m_takes_numpy_floats_as_the_same_centre():
    """A centre given as numpy floats (np.float64 prints as "np.float64(...)" in a PROJ string)
    is the same centre: same frame, same metres."""
    line = shapely.LineString([(100.6390, -3.8817), (100.6354, -3.8781)])
    lon, lat = np.float64(100.6401), np.float64(-3.8870)
    as_numpy = lines_distance_m([line], lon + 1e-9, lat)  # a centre no other call made first
    assert as_numpy.tolist() == lines_distance_m([line], float(lon) + 1e-9, float(lat)).tolist()
    assert 500 < as_numpy[0] < 800
