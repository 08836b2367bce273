"""The lines of a plan, pulled from the index: which of the R-tree's hits have a vertex in the
detour ellipse, and their vertices (lon/lat and ECEF) packed in asset id order.

Compiled where numpy took ~40 calls per plan (2026-11-29, 5 km plans of the benchmark
registry, ~700 lines and ~2 100 vertices in the circle's box). One call (`pulled`) copies
the hits' vertices out of the index in a lean first pass (the lines lie scattered in the
index's arrays, cold: a loop with nothing but loads keeps many in flight, where loads
interleaved with each vertex's ECEF arithmetic waited one by one; ~0.13 ms of a 0.68 ms
pull), computes their ECEF and the frame's bound, decides each line, and packs the lines it
keeps in place, with the ECEF coordinates the graph build then reuses. A vertex the metric
sum decides within its error bound is decided by it, the rest are measured with `Geod.inv`
(in `plan`); `pack` re-packs when those or the asset id order drop or move lines.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.planner.frame import _CURVATURE, _TRUSTED_REACH, _ecef

OUT, IN, UNSURE = 0, 1, 2
_TRUSTED = 1e-2  # nearest.TRUSTED_FRAME_ERROR: a larger bound decides nothing alone


@njit(
    "Tuple((int64[:], float64[:, :], float64[:, :]))"
    "(float64[:, :], int64[:], int64[:], float64[:, :], int64, int64[:])",
    cache=True,
    nogil=True,
)
def pack(values, starts, stops, xyz, skip, lines):  # pragma: no cover - compiled
    """(offsets, lon/lat, ECEF) of these lines' vertices, packed in the order of `lines`;
    `xyz` holds `skip` rows (the two ends, or none), then every span's vertices in span
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


@njit(cache=True, nogil=True, inline="always")
def _move_down(lonlat, xyz, to, at, count):  # pragma: no cover - compiled
    """Rows at..at+count of both buffers moved to `to` (<= at, so rows unread stay)."""
    for j in range(count):
        lonlat[to + j, 0], lonlat[to + j, 1] = lonlat[at + j, 0], lonlat[at + j, 1]
        for a in range(3):
            xyz[to + j, a] = xyz[at + j, a]


@njit(cache=True, nogil=True)
def _decided(offsets, rows, foci, xyz, lonlat, slack, budget):  # pragma: no cover
    """`pulled`'s second half: each line's decision, and each line not OUT packed in place
    as soon as it is decided. A line is IN when the metric sum of one of its vertices (to
    the two ends) is certainly within `budget`, OUT when all are certainly not; every vertex
    of an UNSURE line that may be within is listed (its index into `values`), to be
    measured."""
    trusted = slack < _TRUSTED
    n = len(rows)
    status = np.zeros(n, dtype=np.int8)
    unsure, unsure_line = np.empty(64, dtype=np.int64), np.empty(64, dtype=np.int64)
    packed, kept = np.zeros(n + 1, dtype=np.int64), np.empty(n, dtype=np.int64)
    count, m, p = 0, 0, 0
    for k in range(n):
        start = offsets[rows[k]]
        first, p = p, p + offsets[rows[k] + 1] - start
        for i in range(first, p):
            metric = np.sqrt((xyz[i, 0] - foci[0, 0]) ** 2 + (xyz[i, 1] - foci[0, 1]) ** 2
                             + (xyz[i, 2] - foci[0, 2]) ** 2) + \
                np.sqrt((xyz[i, 0] - foci[1, 0]) ** 2 + (xyz[i, 1] - foci[1, 1]) ** 2
                        + (xyz[i, 2] - foci[1, 2]) ** 2)  # fmt: skip
            if trusted and metric * (1 + slack) + 2e-3 < budget:
                status[k] = IN
                break
            if not trusted or metric * (1 - slack) - 2e-3 <= budget:
                if count == len(unsure):
                    unsure = np.concatenate((unsure, np.empty(count, dtype=np.int64)))
                    unsure_line = np.concatenate((unsure_line, np.empty(count, dtype=np.int64)))
                unsure[count], unsure_line[count] = start + i - first, k
                count += 1
                status[k] = UNSURE
        if status[k] != OUT:  # packed at packed[m] <= first: never over rows still unread
            _move_down(lonlat, xyz, packed[m], first, p - first)
            kept[m] = k
            packed[m + 1] = packed[m] + p - first
            m += 1
    w = packed[m]
    return (status, packed[: m + 1], lonlat[:w], xyz[:w], kept[:m], unsure[:count],
            unsure_line[:count])  # fmt: skip


@njit(
    "Tuple((int8[:], int64[:], float64[:, :], float64[:, :], int64[:], int64[:], int64[:]))"
    "(float64[:, :], int64[:], int64[:], float64[:, :], float64)",
    cache=True,
    nogil=True,
)
def pulled(values, offsets, rows, ends, budget):  # pragma: no cover - compiled
    """(IN/OUT/UNSURE of each row's line (values[offsets[r]:offsets[r + 1]]); offsets,
    lon/lat and ECEF of the lines not OUT, packed in row order, and which rows they are; the
    UNSURE vertices to measure and their row). The vertices are copied and their ECEF
    computed once, into the buffers they are packed in: a kept line's rows move down over
    those of the lines put OUT before it."""
    n = len(rows)
    total = 0
    for k in range(n):
        total += offsets[rows[k] + 1] - offsets[rows[k]]
    xyz, lonlat, foci = np.empty((total, 3)), np.empty((total, 2)), np.empty((2, 3))
    _ecef(ends[0, 0], ends[0, 1], foci, 0)
    _ecef(ends[1, 0], ends[1, 1], foci, 1)
    lo, hi = foci[0].copy(), foci[0].copy()
    for i in range(2):  # the extent over the ends, then every vertex
        for a in range(3):
            lo[a], hi[a] = min(lo[a], foci[i, a]), max(hi[a], foci[i, a])
    p = 0
    for k in range(n):  # a lean copy first: the lines' cold vertices load in parallel
        for j in range(offsets[rows[k]], offsets[rows[k] + 1]):
            lonlat[p, 0], lonlat[p, 1] = values[j, 0], values[j, 1]
            p += 1
    for p in range(total):
        _ecef(lonlat[p, 0], lonlat[p, 1], xyz, p)
        for a in range(3):
            lo[a], hi[a] = min(lo[a], xyz[p, a]), max(hi[a], xyz[p, a])
    reach = np.sqrt((hi[0] - lo[0]) ** 2 + (hi[1] - lo[1]) ** 2 + (hi[2] - lo[2]) ** 2)
    slack = (_CURVATURE * reach) ** 2 / 20 + 1e-12 if reach <= _TRUSTED_REACH else np.inf
    return _decided(offsets, rows, foci, xyz, lonlat, slack, budget)


@njit(cache=True, nogil=True)
def ascending(ids):  # pragma: no cover - compiled
    """Are these in ascending order? (`np.any(ids[1:] < ids[:-1])`'s wrappers took ~15 µs
    after the pull's kernels, with numpy's code no longer in the caches.)"""
    for i in range(1, len(ids)):  # noqa: SIM110 - a loop compiles; all() over a generator not
        if ids[i] < ids[i - 1]:
            return False
    return True
