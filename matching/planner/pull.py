"""The lines of a plan, pulled from the index: which of the R-tree's hits have a vertex in the
detour ellipse, and their vertices (lon/lat and ECEF) packed in asset id order.

Compiled where numpy took ~40 calls per plan (2026-11-29, 5 km plans of the benchmark
registry, ~700 lines and ~2 100 vertices in the circle's box): copying the hits' vertices,
their ECEF coordinates, the frame's bound, two norms per vertex for the ellipse, cumsums per
line, then copying the kept lines' vertices again, twice (by slot, then by asset id). Here one
call reads the hits' vertices where the index keeps them and decides each line, and one more
packs the kept lines with the ECEF coordinates the graph build then reuses. The decisions are
those of `plan.in_ellipse`: a vertex the metric sum decides within its error bound is decided
by it, the rest are measured with `Geod.inv` (in `plan`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.planner.frame import _CURVATURE, _TRUSTED_REACH, _ecef

OUT, IN, UNSURE = 0, 1, 2
_TRUSTED = 1e-2  # nearest.TRUSTED_FRAME_ERROR: a larger bound decides nothing alone


@njit(cache=True, nogil=True)
def _frame(values, starts, stops, ends):  # pragma: no cover - compiled
    """(ECEF of the two ends then of every vertex of the spans, in span order; the slack of
    `frame.slack` over them all, inf where it is not trusted)."""
    total = 2
    for k in range(len(starts)):
        total += stops[k] - starts[k]
    xyz = np.empty((total, 3))
    _ecef(ends[0, 0], ends[0, 1], xyz, 0)
    _ecef(ends[1, 0], ends[1, 1], xyz, 1)
    p = 2
    for k in range(len(starts)):
        for j in range(starts[k], stops[k]):
            _ecef(values[j, 0], values[j, 1], xyz, p)
            p += 1
    lo, hi = xyz[0].copy(), xyz[0].copy()
    for i in range(total):
        for a in range(3):
            lo[a], hi[a] = min(lo[a], xyz[i, a]), max(hi[a], xyz[i, a])
    reach = np.sqrt((hi[0] - lo[0]) ** 2 + (hi[1] - lo[1]) ** 2 + (hi[2] - lo[2]) ** 2)
    slack = (_CURVATURE * reach) ** 2 / 20 + 1e-12 if reach <= _TRUSTED_REACH else np.inf
    return xyz, slack


@njit(
    "Tuple((int8[:], float64[:, :], int64[:], int64[:]))"
    "(float64[:, :], int64[:], int64[:], float64[:, :], float64)",
    cache=True,
    nogil=True,
)
def ellipse(values, starts, stops, ends, budget):  # pragma: no cover - compiled
    """(IN/OUT/UNSURE of each line (values[starts[k]:stops[k]]), ECEF of the two ends and of
    every vertex in span order, the vertices (indices into `values`) of the UNSURE lines the
    metric could not decide, and their line). A line is IN when the metric sum of one of its
    vertices (to the two ends) is certainly within `budget`, OUT when all are certainly not;
    every vertex of an UNSURE line that may be within is listed, to be measured."""
    xyz, slack = _frame(values, starts, stops, ends)
    trusted = slack < _TRUSTED
    status = np.zeros(len(starts), dtype=np.int8)
    unsure, unsure_line = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    count, p = 0, 2
    for k in range(len(starts)):
        first, p = p, p + stops[k] - starts[k]
        for i in range(first, p):
            metric = np.sqrt((xyz[i, 0] - xyz[0, 0]) ** 2 + (xyz[i, 1] - xyz[0, 1]) ** 2
                             + (xyz[i, 2] - xyz[0, 2]) ** 2) + \
                np.sqrt((xyz[i, 0] - xyz[1, 0]) ** 2 + (xyz[i, 1] - xyz[1, 1]) ** 2
                        + (xyz[i, 2] - xyz[1, 2]) ** 2)  # fmt: skip
            if trusted and metric * (1 + slack) + 2e-3 < budget:  # each within slack·d + 1 mm
                status[k] = IN
                break
            if not trusted or metric * (1 - slack) - 2e-3 <= budget:
                if count == len(unsure):
                    unsure = np.concatenate((unsure, np.empty(count, dtype=np.int64)))
                    unsure_line = np.concatenate((unsure_line, np.empty(count, dtype=np.int64)))
                unsure[count], unsure_line[count] = starts[k] + i - first, k
                count += 1
                status[k] = UNSURE
    return status, xyz, unsure[:count], unsure_line[:count]


@njit(
    "Tuple((int64[:], float64[:, :], float64[:, :]))"
    "(float64[:, :], int64[:], int64[:], float64[:, :], int64, int64[:])",
    cache=True,
    nogil=True,
)
def pack(values, starts, stops, xyz, skip, lines):  # pragma: no cover - compiled
    """(offsets, lon/lat, ECEF) of these lines' vertices, packed in the order of `lines`;
    `xyz` holds `skip` rows (`ellipse`: the two ends), then every span's vertices in span
    order."""
    at = np.empty(len(starts) + 1, dtype=np.int64)
    at[0] = skip
    for k in range(len(starts)):
        at[k + 1] = at[k] + stops[k] - starts[k]
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    for k in range(len(lines)):
        offsets[k + 1] = offsets[k] + stops[lines[k]] - starts[lines[k]]
    lonlat, out = np.empty((offsets[-1], 2)), np.empty((offsets[-1], 3))
    for k in range(len(lines)):
        line, p = lines[k], offsets[k]
        for j in range(stops[line] - starts[line]):
            lonlat[p + j, 0], lonlat[p + j, 1] = values[starts[line] + j, 0], \
                values[starts[line] + j, 1]  # fmt: skip
            for a in range(3):
                out[p + j, a] = xyz[at[line] + j, a]
    return offsets, lonlat, out
