"""Compiled: the new-trench pairs of a plan graph, found for `from`, `to` and every asset node
from one grid, chosen and made distinct in a second call.

The rules are those of `graph` (each asset node to its k nearest other asset nodes within the
radius, `from` and `to` each to their k_end nearest, ties by node number) and the decisions
those of `grid.candidates` + `grid.choose` + `pairs.distinct`, which this replaces in the
graph build: the same candidates with the same SURE/UNSURE/OUT status, the same choice,
the same lower bounds. What changed is where the time went (2026-11-29, 5 km plans of the
benchmark registry, ~1 500 nodes): two grids (one for the asset nodes, one for the two ends),
an allocation per node for its k + 1 smallest lengths and another in the choice, and ~25 numpy
calls between the kernels (repeat, where, column_stack, the lower bounds) cost more than the
distances themselves. Here one grid serves every node, buffers are allocated once, and a plan
with no length the frame cannot decide (nearly all: the bounds are ~1 mm wide) goes from node
coordinates to the sorted distinct pairs in two calls with nothing measured between them.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.planner.grid import (
    OUT,
    SURE,
    UNSURE,
    _grid,
    _grown,
    choose_run,
    kth_smallest,
)
from matching.planner.pairs import distinct

_MM = 1e-3  # the bounds' rounding allowance, as `nearest.lower_bound`
_COUNTED = 32  # candidates up to which `_kth` counts rather than merges (24-40: the same)


@njit(cache=True, nogil=True, inline="always")
def _near(
    i, xyz, u, w, cell, nx, ny, cell_start, order, tx, ty, tz, bound, keep, near, near_d
):  # pragma: no cover - compiled
    """How many targets (node numbers, from 2) lie within `keep` (at most `bound`) of node i,
    written to near/near_d: read from the cells within q = ceil(bound / cell) of (u, w)'s (plane
    coordinates from the grid's origin), node i itself skipped. The cells of one column are
    consecutive in the grid's order, so each column is one run of targets: testing each
    cell's gap to the point first cost more than it saved. Cells half as wide as `bound`
    (5 x 5 of them, 6.25 bound² against 9 for 3 x 3 cells as wide) made the candidates ~7 %
    cheaper; a third as wide, dearer again (2026-11-30)."""
    f = 0
    x, y, z = xyz[i, 0], xyz[i, 1], xyz[i, 2]
    q = int(np.ceil(bound / cell))
    cx0, cy0 = int(np.floor(u / cell)), int(np.floor(w / cell))
    y_lo, y_hi = max(cy0 - q, 0), min(cy0 + q, ny - 1)
    if y_lo > y_hi:  # an end beyond the grid: no cell near it
        return 0
    for cx in range(max(cx0 - q, 0), min(cx0 + q + 1, nx)):
        for s in range(cell_start[cx * ny + y_lo], cell_start[cx * ny + y_hi + 1]):
            # written whatever the test says and kept only if it passes: no branch to
            # mispredict (a third of the targets pass, in no order)
            d = np.sqrt((x - tx[s]) ** 2 + (y - ty[s]) ** 2 + (z - tz[s]) ** 2)
            near[f], near_d[f] = order[s] + 2, d
            f += (d <= keep) & (order[s] + 2 != i)
    return f


@njit(cache=True, nogil=True, inline="always")
def _reach(xyz, i, before, bound, slack):  # pragma: no cover - compiled
    """How far node i's candidates that matter can lie (at most `bound`), from the node
    before's (k+1)-th nearest at `before`: those k+1 and that node itself, but i, are
    within before + |i - (i-1)| of i (the triangle inequality of the chords), so i's own
    (k+1)-th nearest is no farther, and no candidate beyond what that allows is kept
    (`_status`: it is OUT) or counts for the k-th. Consecutive nodes are mostly neighbours
    on one line, so this keeps ~16 of a 5 km plan node's ~22 candidates within `bound`,
    and the k-th and the statuses have fewer to look at; the cells read are the same."""
    step = np.sqrt((xyz[i, 0] - xyz[i - 1, 0]) ** 2 + (xyz[i, 1] - xyz[i - 1, 1]) ** 2
                   + (xyz[i, 2] - xyz[i - 1, 2]) ** 2)  # fmt: skip
    reach = before + step  # inf when the node before had fewer than k + 1 within `bound`
    # a candidate is UNSURE while its lower bound is within the k-th's upper one
    return min(bound, ((reach * (1 + slack) + _MM) + _MM) / (1 - slack) + _MM)


@njit(cache=True, nogil=True, inline="always")
def _kth(near_d, f, k, best):  # pragma: no cover - compiled
    """`kth_smallest` of near_d[:f]; with at most k of them (half the nodes of a 5 km plan)
    without merging each into the buffer: inf, or their largest when there are exactly k.
    Up to `_COUNTED` of them (most nodes), by counting for each how many are smaller and how
    many no larger: the value with fewer than k smaller and at least k no larger is the k-th
    (ties included). f² comparisons without a branch, which the compiler runs several at a
    time, against f·k dependent min/max steps of the merge: 0.483 -> 0.451-0.458 ms per 5 km
    plan's candidates (2026-11-30)."""
    if f > _COUNTED:
        return kth_smallest(near_d, f, k, best)
    if f > k:
        kth, next_ = np.inf, np.inf
        for j in range(f):
            d, smaller, no_larger = near_d[j], 0, 0
            for t in range(f):
                smaller += near_d[t] < d
                no_larger += near_d[t] <= d
            kth = d if (smaller < k) & (no_larger >= k) else kth
            next_ = d if (smaller <= k) & (no_larger > k) else next_
        return kth, next_
    kth = np.inf if f < k else near_d[0]
    if f == k:
        for s in range(1, f):
            kth = max(kth, near_d[s])
    return kth, np.inf


@njit(cache=True, nogil=True, inline="always")
def _status(d, kth_upper, next_lower, radius, slack):  # pragma: no cover - compiled
    """`grid.status_of` without branches: a third of a node's candidates are kept, in no
    order a branch predictor learns."""
    lower, upper = max(d * (1 - slack) - _MM, 0.0), d * (1 + slack) + _MM
    sure = (upper < next_lower) & (upper <= radius)
    unsure = (not (kth_upper < lower)) & (lower <= radius) & (not sure)
    return np.int8(sure * SURE + unsure * UNSURE)


@njit(
    "Tuple((int64[:], int64[:], float64[:], int8[:]))"
    "(float64[:, :], float64[:, :], int64, int64, float64, float64, float64)",
    cache=True,
    nogil=True,
)
def candidates(xyz, plane, k, k_end, radius, bound, slack):  # pragma: no cover - compiled
    """(start per node, target node, metric length, SURE/UNSURE) of every node's candidates:
    asset nodes (2..) those of their k nearest other asset nodes, nodes 0 and 1 those of
    their k_end nearest asset nodes, grouped by node; OUT ones are left out (`grid._classify`
    says which: its rules, written without allocating)."""
    n = len(xyz)
    start = np.zeros(n + 1, dtype=np.int64)
    size, cap = 0, 4 * (k + 1) * n + 64
    target, metric = np.empty(cap, dtype=np.int64), np.empty(cap)
    status = np.empty(cap, dtype=np.int8)
    m = n - 2
    if m <= 0:
        return start, target[:0], metric[:0], status[:0]
    order, t, cell_start, nx, ny, x0, y0, cell = _grid(plane[2:], xyz[2:], bound / 2)  # `_near`
    near, near_d = np.empty(m, dtype=np.int64), np.empty(m)
    best = np.empty(max(k, k_end) + 1)
    tx, ty, tz = t[0], t[1], t[2]
    before = np.inf  # the (k+1)-th nearest's length of the node before (an asset node)
    for i in range(n):
        keep = bound if i < 3 else _reach(xyz, i, before, bound, slack)
        f = _near(i, xyz, plane[i, 0] - x0, plane[i, 1] - y0, cell, nx, ny, cell_start,
                  order, tx, ty, tz, bound, keep, near, near_d)  # fmt: skip
        kk = k_end if i < 2 else k
        if kk < 1:
            start[i + 1] = size
            continue
        kth, next_ = _kth(near_d, f, kk, best)
        before = next_
        kth_upper = kth * (1 + slack) + _MM
        next_lower = max(next_ * (1 - slack) - _MM, 0.0)
        if size + f > cap:
            cap = 2 * (size + f)
            target, metric, status = _grown(target, cap), _grown(metric, cap), _grown(status, cap)
        for s in range(f):  # written whatever the status, kept unless OUT: no branch
            found = _status(near_d[s], kth_upper, next_lower, radius, slack)
            target[size], metric[size], status[size] = near[s], near_d[s], found
            size += found != OUT
        start[i + 1] = size
    return start, target[:size], metric[:size], status[:size]


@njit(
    "Tuple((int64[:], int64[:], float64[:], boolean[:]))"
    "(int64[:], int64[:], float64[:], int8[:], float64[:], int64, int64, float64, float64)",
    cache=True,
    nogil=True,
)
def chosen_pairs(
    start, target, metric, status, measured, k, k_end, slack, straight
):  # pragma: no cover - compiled
    """(lo, hi, length, exact) of the distinct trench pairs, sorted by (lo, hi), the straight
    (0, 1) among them: each node's chosen candidates (SURE first, then UNSURE by their
    `measured` geodesic length, inf beyond the radius; ties by node number). A chosen SURE
    length is its lower bound; a pair found from both ends keeps an exact length if it has
    one."""
    n, e = len(start) - 1, len(target)
    rank = np.empty(e)
    for s in range(e):
        rank[s] = -np.inf if status[s] == SURE else measured[s]
    chosen = np.zeros(e, dtype=np.bool_)
    best = np.empty(e, dtype=np.int64)
    for i in range(n):
        choose_run(start[i], start[i + 1], target, rank, k_end if i < 2 else k, best, chosen)
    size = 1
    for s in range(e):
        size += chosen[s]
    lo, hi = np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64)
    length, exact = np.empty(size), np.empty(size, dtype=np.bool_)
    p = 0
    for i in range(n):  # asset nodes first, then the ends, then the straight trench
        node = i + 2 if i + 2 < n else i + 2 - n
        for s in range(start[node], start[node + 1]):
            if chosen[s]:
                lo[p], hi[p] = min(node, target[s]), max(node, target[s])
                exact[p] = status[s] == UNSURE
                length[p] = rank[s] if exact[p] else max(metric[s] * (1 - slack) - _MM, 0.0)
                p += 1
    lo[p], hi[p], length[p], exact[p] = 0, 1, straight, True
    first = distinct(lo, hi, exact, n)
    return lo[first], hi[first], length[first], exact[first]
