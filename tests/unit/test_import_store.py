"""The staging COPY's geometry text: the same hex EWKB as GEOS writes, points or not."""

from __future__ import annotations

import numpy as np
import shapely

from registry.interop.importers.store import hex_ewkb


def _geos(geoms: np.ndarray) -> list[str]:
    return shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True).tolist()


def test_points_are_encoded_as_geos_encodes_them():
    rng = np.random.default_rng(7)
    points = shapely.points(rng.uniform(-180, 180, 500), rng.uniform(-90, 90, 500))
    assert hex_ewkb(points) == _geos(points)


def test_other_geometries_are_encoded_by_geos():
    mixed = np.array([shapely.Point(108.3, 22.8), shapely.LineString([(0, 0), (1, 1)])])
    assert hex_ewkb(mixed) == _geos(mixed)


def test_an_empty_point_among_points_keeps_every_row_in_place():
    points = np.array([shapely.Point(1, 2), shapely.Point(), shapely.Point(3, 4)])
    assert hex_ewkb(points) == _geos(points)
