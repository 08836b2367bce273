"""The azimuthal equidistant frame made from its PROJ string is pyproj's Proj, bit for bit; the
geodesic places lines_distance_m measures in are PROJ's within 10 nm."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Proj

from matching.geo import azimuthal_equidistant
from registry.db.spatial_sql import aeqd_frame, lines_distance_m


def test_the_frame_from_its_proj_string_measures_exactly_as_proj_does():
    rng = np.random.default_rng(11)
    centres = [(108.366, 22.817), (-149.17, -47.0), (0.0, 0.0), (179.9999999, 60.5)]
    centres += [tuple(np.round(rng.uniform([-180, -85], [180, 85]), 7)) for _ in range(40)]
    for lon, lat in centres:
        lons = lon + rng.uniform(-0.05, 0.05, 20)
        lats = lat + rng.uniform(-0.05, 0.05, 20)
        expected = Proj(proj="aeqd", lat_0=lat, lon_0=lon, ellps="WGS84")(lons, lats)
        x, y = aeqd_frame(float(lon), float(lat))(lons, lats)
        assert np.array_equal(x, expected[0]) and np.array_equal(y, expected[1])


def test_the_geodesic_places_are_projs_aeqd_places_within_ten_nanometres():
    """lines_distance_m places vertices by the geodesic from the centre (matching.geo's
    azimuthal_equidistant): PROJ's aeqd computes the same, in other floating-point steps."""
    rng = np.random.default_rng(12)
    centres = [(108.366, 22.817), (-149.17, -47.0), (0.0, 0.0), (179.9999999, 60.5)]
    centres += [tuple(np.round(rng.uniform([-180, -85], [180, 85]), 7)) for _ in range(60)]
    for lon, lat in centres:
        spread = rng.choice([0.001, 0.05, 0.3])  # up to ~30 km from the centre
        lons = lon + rng.uniform(-spread, spread, 40)
        lats = np.clip(lat + rng.uniform(-spread, spread, 40), -89.9, 89.9)
        expected = aeqd_frame(float(lon), float(lat))(lons, lats)
        x, y = azimuthal_equidistant(lon, lat, np.column_stack([lons, lats]))
        assert np.hypot(x - expected[0], y - expected[1]).max() < 1e-8
    one = np.array([[108.37, 22.82]])
    azimuthal_equidistant(108.366, 22.817, one)
    assert one.tolist() == [[108.37, 22.82]]  # the caller's coordinates are left as they were


def test_lines_distance_m_is_the_planar_distance_in_projs_frame():
    rng = np.random.default_rng(13)
    for _ in range(50):
        lon, lat = rng.uniform(-180, 180), rng.uniform(-80, 80)
        lines = [shapely.LineString(np.column_stack([lon + rng.normal(0, 0.01, k),
                                                     lat + rng.normal(0, 0.01, k)]))
                 for k in rng.integers(2, 8, 10)]  # fmt: skip
        frame = aeqd_frame(round(lon, 7), round(lat, 7))
        expected = [shapely.LineString(np.column_stack(frame(*np.asarray(g.coords).T)))
                    .distance(shapely.Point(0, 0)) for g in lines]  # fmt: skip
        assert np.allclose(lines_distance_m(lines, lon, lat), expected, rtol=0, atol=1e-8)
