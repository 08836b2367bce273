"""Near lists measure in Python on both backends (registry.inventory.near), so both answer the
same numbers. Against PostGIS's own spheroid distance (geography): points agree within a
micrometre (both are the ellipsoid's geodesic); lines within 0.2 % (+1 cm), because the two
measure a segment differently (PostGIS: a great-circle arc, its nearest point found on the
sphere, then measured on the spheroid; ours: straight in the centre's azimuthal equidistant
frame, its nearest point measured exactly)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from registry.inventory.near import _metres
from registry.inventory.queries import AssetFilter

SQL = sa.text(
    "SELECT ST_Distance(ST_GeomFromWKB(:wkb, 4326)::geography, "
    "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, true)"
)


def _shapes(rng, lon: float, lat: float) -> list:
    """Points and 2- to 5-vertex lines around (lon, lat), up to ~1 km away."""
    shapes = []
    for _ in range(20):
        x, y = lon + rng.normal(0, 0.004), lat + rng.normal(0, 0.004)
        shapes.append(shapely.Point(x, y))
        steps = rng.normal(0, 0.003, (int(rng.integers(1, 5)), 2))
        start = np.array([x, y])
        shapes.append(shapely.LineString(np.vstack([start, start + np.cumsum(steps, axis=0)])))
    return shapes


def test_the_near_list_measure_is_postgis_s_geography_distance(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("SpatiaLite: its point distance is tested bit for bit (test_spatialite_...)")
    rng = np.random.default_rng(21)
    worst = {"Point": 0.0, "LineString": 0.0}  # points: metres; lines: metres beyond 0.2 % + 1 cm
    with engine.connect() as conn:
        for lon, lat in zip(rng.uniform(-179, 179, 25), rng.uniform(-70, 70, 25), strict=True):
            lon, lat = float(lon), float(lat)
            shapes = _shapes(rng, lon, lat)
            ours = _metres([(g, False) for g in shapes], AssetFilter(near=(lon, lat)))
            for g, d in zip(shapes, ours, strict=True):
                params = {"wkb": shapely.to_wkb(g), "lon": lon, "lat": lat}
                theirs = conn.execute(SQL, params).scalar()
                off = (
                    abs(d - theirs) if g.geom_type == "Point" else abs(d - theirs) - 0.002 * theirs
                )
                worst[g.geom_type] = max(worst[g.geom_type], off)
    assert worst["Point"] < 1e-6 and worst["LineString"] < 0.01, worst
