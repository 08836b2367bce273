"""Compiled look-ups for the gaps of a route report: where each gap's ends lie on the route.

`metric_points` does `MetricPath.points_at`'s arithmetic before the inverse projection (the
same operations in the same order, no fastmath), in one call instead of a dozen small numpy
ones; the report's gap coordinates stay byte-identical (tests/unit/matching).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def metric_points(start_m, seg_m, x, y, measures):  # pragma: no cover - compiled
    """(x, y) in the path's frame of the route points at `measures`, as `points_at` finds
    them: the segment holding each measure (clamped to the route), t clamped to [0, 1]."""
    n = len(measures)
    out_x = np.empty(n, dtype=np.float64)
    out_y = np.empty(n, dtype=np.float64)
    last = len(seg_m) - 1
    for k in range(n):
        m = measures[k]
        seg = np.searchsorted(start_m, m, side="right") - 1
        seg = min(max(seg, 0), last)
        span = seg_m[seg]
        t = (m - start_m[seg]) / span if span > 0 else 0.0
        t = min(max(t, 0.0), 1.0)
        out_x[k] = x[seg] + t * (x[seg + 1] - x[seg])
        out_y[k] = y[seg] + t * (y[seg + 1] - y[seg])
    return out_x, out_y


@njit(cache=True, nogil=True)
def inner_vertices(start_m, holes):  # pragma: no cover - compiled
    """Per hole (from_m, to_m), the first and past-last route vertex strictly inside it."""
    first = np.searchsorted(start_m, holes[:, 0], side="right")
    last = np.searchsorted(start_m, holes[:, 1], side="left")
    return first, last
