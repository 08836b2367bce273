"""A route's search boxes in one compiled call: `path.piece_boxes` for the usual route.

`piece_boxes` + `geo.expand_boxes` are ~25 numpy calls (~40 µs of a 10 km route); this
kernel runs the same operations in the same order, box by box. A route whose boxes would
cross the antimeridian or come near a pole returns `ok = False`, and the caller falls back
to the numpy way, which splits such boxes. Boxes only choose what the exact corridor test
then looks at, and they carry a 1 m margin, so they are a superset either way; a test
checks that they are also the numpy boxes themselves.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from matching import geo

_R4 = 4 * geo.EARTH_RADIUS_M
_A, _E2, _MIN_LAT, _SLACK = geo._A, geo._E2, geo.MIN_LAT_DEGREE_M, geo._SLACK
_DEG = math.pi / 180.0  # numpy's radians(x) is x * (pi / 180)


@njit(cache=True, nogil=True, inline="always")
def _grow(lon0, lat0, lon1, lat1, margin):  # pragma: no cover - compiled
    """`geo.expand_boxes` on one box; nan x0 when it must be split (the caller falls back)."""
    dlat = margin / _MIN_LAT * _SLACK + 1e-9
    y0 = max(min(lat0, lat1) - dlat, -90.0)
    y1 = min(max(lat0, lat1) + dlat, 90.0)
    edge = min(max(abs(y0), abs(y1)), 89.999)
    phi = edge * _DEG
    sin = np.sin(phi)
    degree_m = _A * np.cos(phi) / np.sqrt(1 - _E2 * sin * sin) * math.pi / 180
    dlon = margin / degree_m * _SLACK + 1e-9
    x0, x1 = min(lon0, lon1) - dlon, max(lon0, lon1) + dlon
    if x0 < -180.0 or x1 > 180.0 or edge >= 89.99:
        x0 = np.nan
    return x0, y0, x1, y1


@njit(cache=True, nogil=True)
def piece_boxes(lon, lat, seg_m, margin_m, piece_m):  # pragma: no cover - compiled
    """(boxes, ok): segment k from vertex k to k + 1 cut into pieces of at most `piece_m`,
    each box grown by the margin and the bow of the segment (see `path.piece_boxes`)."""
    pieces = np.empty(len(seg_m), dtype=np.int64)
    for k in range(len(seg_m)):
        pieces[k] = max(np.ceil(seg_m[k] / piece_m), 1.0)
    out = np.empty((pieces.sum(), 4), dtype=np.float64)
    i = 0
    for k in range(len(seg_m)):
        p = pieces[k]
        dlon, dlat = lon[k + 1] - lon[k], lat[k + 1] - lat[k]
        for step in range(p):
            if p == 1:  # the usual case: the segment's own ends, exactly
                lon0, lat0, lon1, lat1 = lon[k], lat[k], lon[k + 1], lat[k + 1]
            else:
                t0, t1 = step / p, (step + 1) / p
                lon0, lat0 = lon[k] + t0 * dlon, lat[k] + t0 * dlat
                lon1, lat1 = lon[k] + t1 * dlon, lat[k] + t1 * dlat
            phi = min(max(abs(lat0), abs(lat1)), 85.0) * _DEG
            bulge = seg_m[k] ** 2 / _R4 * (1 + np.tan(phi))
            x0, y0, x1, y1 = _grow(lon0, lat0, lon1, lat1, margin_m + 1.0 + bulge)
            if np.isnan(x0):
                return out[:0], False
            out[i, 0], out[i, 1], out[i, 2], out[i, 3] = x0, y0, x1, y1
            i += 1
    return out, True
