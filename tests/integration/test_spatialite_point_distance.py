"""SpatiaLite's ellipsoidal point distance is the geodesic pyproj computes, to the last bit: near
lists measure points in Python (registry.inventory.near), and on SpatiaLite they give the very
numbers its SQL gives."""

from __future__ import annotations

import numpy as np
import pytest
import sqlalchemy as sa

from matching.geo import geodesic_distances


def test_spatialite_st_distance_of_points_equals_the_python_geodesic_bit_for_bit(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip(
            "PostGIS: held to the near lists' measure within 1e-6 m, not to the bit "
            "(test_postgis_near_distance)"
        )
    rng = np.random.default_rng(13)
    centres = np.column_stack([rng.uniform(-180, 180, 40), rng.uniform(-60, 60, 40)])
    sql = sa.text("SELECT ST_Distance(MakePoint(:x, :y, 4326), MakePoint(:lon, :lat, 4326), 1)")
    compared = 0
    with engine.connect() as conn:
        for lon, lat in centres.tolist():
            # Near (metres to km) and far (across the antimeridian), as near lists see them.
            spread = np.concatenate([rng.normal(0, 0.01, (20, 2)), rng.normal(0, 5, (5, 2))])
            xs = (lon + spread[:, 0] + 180) % 360 - 180
            ys = np.clip(lat + spread[:, 1], -89.9, 89.9)
            python = geodesic_distances(lon, lat, xs, ys)
            for x, y, d in zip(xs.tolist(), ys.tolist(), python.tolist(), strict=True):
                params = {"x": x, "y": y, "lon": lon, "lat": lat}
                assert conn.execute(sql, params).scalar() == d, (lon, lat, x, y)
                compared += 1
    assert compared == 40 * 25
