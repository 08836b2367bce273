"""The azimuthal equidistant frame made from its PROJ string is pyproj's Proj, bit for bit."""

from __future__ import annotations

import numpy as np
from pyproj import Proj

from registry.db.spatial_sql import aeqd_frame


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
