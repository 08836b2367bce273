"""Metric geometry for the registry: true metres from lon/lat via a local projection."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point

GEOD = Geod(ellps="WGS84")


@lru_cache(maxsize=256)
def _aeqd(lon: float, lat: float) -> Transformer:
    return Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True
    )


def line_distance_m(line: LineString, lon: float, lat: float) -> float:
    """Metres from (lon, lat) to the nearest point of a line.

    In an azimuthal equidistant projection centred on the point, distance from the centre is
    the geodesic distance, so the planar nearest point there is the true nearest point.
    """
    aeqd = _aeqd(round(lon, 7), round(lat, 7))
    local = shapely.transform(line, lambda xy: np.column_stack(aeqd.transform(xy[:, 0], xy[:, 1])))
    return float(local.distance(Point(0.0, 0.0)))


def length_m(line: LineString) -> float:
    """Geodesic length of a lon/lat line in metres."""
    return float(GEOD.geometry_length(line))
