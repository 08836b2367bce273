"""Compiled planar distance from one point to many polylines, GEOS's arithmetic exactly.

`shapely.distance(point, shapely.linestrings(xy, indices=owner))` built a GEOS LineString
per line (~0.35 µs each) and measured each through GEOS's DistanceOp: ~45 µs for the ~60
lines a near list measures, twice a request. This is GEOS's own point-to-segment formula
(`algorithm::Distance::pointToSegment`, with `CoordinateXY::distance` for the ends), the
same operations in the same order, and the minimum over each line's segments as DistanceOp
keeps it, so the metres are the same bit for bit (tests/engine compare with shapely).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True, inline="always")
def _to_segment(px, py, ax, ay, bx, by):  # pragma: no cover - compiled
    """GEOS Distance::pointToSegment, operation for operation."""
    if ax == bx and ay == by:
        dx, dy = px - ax, py - ay
        return math.sqrt(dx * dx + dy * dy)
    len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    r = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2
    if r <= 0.0:
        dx, dy = px - ax, py - ay
        return math.sqrt(dx * dx + dy * dy)
    if r >= 1.0:
        dx, dy = px - bx, py - by
        return math.sqrt(dx * dx + dy * dy)
    s = ((ay - py) * (bx - ax) - (ax - px) * (by - ay)) / len2
    return abs(s) * math.sqrt(len2)


@njit(cache=True, nogil=True)
def point_to_lines(px, py, x, y, offsets):  # pragma: no cover - compiled
    """Metres from (px, py) to each line k, whose vertices are x, y[offsets[k]:offsets[k+1]]
    (at least two each)."""
    n = len(offsets) - 1
    out = np.empty(n)
    for k in range(n):
        best = np.inf
        for i in range(offsets[k], offsets[k + 1] - 1):
            d = _to_segment(px, py, x[i], y[i], x[i + 1], y[i + 1])
            if d < best:
                best = d
        out[k] = best
    return out
