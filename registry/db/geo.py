"""Metric geometry for the registry: geodesic metres from lon/lat (near lists' distances to
lines: registry.db.spatial_sql.lines_distance_m)."""

from __future__ import annotations

from pyproj import Geod
from shapely.geometry import LineString

GEOD = Geod(ellps="WGS84")


def length_m(line: LineString) -> float:
    """Geodesic length of a lon/lat line in metres."""
    return float(GEOD.geometry_length(line))
