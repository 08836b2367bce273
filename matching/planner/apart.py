"""Compiled: whether `from` and `to` lie in parts of the plan graph that only the straight
trench joins, found by exploring both ends at once, building trench edges only as reached.

Why: on the benchmark registry 72 % of 5 km plans and all 20 km plans measured (2026-11-30,
300 of each) have no path from `from` to `to` but the straight trench, and the smaller of
the two parts (nearly always `to`'s) holds a median 0.3 % of the nodes. The search then
settled all of `from`'s part (a median two thirds of the graph) after every node's trench
neighbours had been found, to return the straight trench. Here the two parts grow in turn
from either end, one node at a time, from the side that has reached fewer, so the smaller
one is used up after about twice its size; only the nodes reached and those within the
radius of them are ever measured for their k nearest.

An edge is assumed wherever the frame's bounds allow one (a superset of the graph's trench
edges: j can be among i's k nearest only if j's lower bound is within the radius and within
the upper bound of i's k-th nearest metric length), so a cut found here holds in the graph.
When the two sides meet, or the exploration has read `budget` neighbourhoods, the answer is
"not shown apart" and the plan builds the whole graph as before. (This file inlines
`trench`'s and `grid`'s helpers: clear `matching/planner/__pycache__` after editing them.)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.planner.grid import _grid
from matching.planner.shortest import adjacency
from matching.planner.trench import _kth, _near

_MM = 1e-3  # the bounds' rounding allowance, as `nearest.lower_bound`


@njit(cache=True, nogil=True, inline="always")
def _lower(d, slack):  # pragma: no cover - compiled
    return max(d * (1 - slack) - _MM, 0.0)


@njit(cache=True, nogil=True, inline="always")
def _chord(xyz, i, j):  # pragma: no cover - compiled
    return np.sqrt((xyz[i, 0] - xyz[j, 0]) ** 2 + (xyz[i, 1] - xyz[j, 1]) ** 2
                   + (xyz[i, 2] - xyz[j, 2]) ** 2)  # fmt: skip


@njit(cache=True, nogil=True, inline="always")
def _kth_upper(near_d, f, k, best, slack):  # pragma: no cover - compiled
    """The upper bound of the k-th smallest of near_d[:f] (inf with fewer; -1, below any
    length, when a node takes no neighbours)."""
    if k < 1:
        return -1.0
    return _kth(near_d, f, k, best)[0] * (1 + slack) + _MM


@njit(
    "boolean(float64[:, :], float64[:, :], int64[:], int64[:], int64, int64, float64, float64,"
    " float64, int64)",
    cache=True,
    nogil=True,
)
def apart(xyz, plane, u, v, k, k_end, radius, bound, slack, budget):  # pragma: no cover
    """True when no path joins node 0 (`from`) and node 1 (`to`) but their straight trench:
    `xyz`/`plane` the nodes' metric and plane coordinates (the ends first), (u, v) the reuse
    edges, the trench rules as `trench.candidates` takes them. False when a path may exist
    or `budget` neighbourhoods were read first."""
    n = len(xyz)
    if n <= 2:
        return True
    order, t, cell_start, nx, ny, x0, y0, cell = _grid(plane[2:], xyz[2:], bound / 2)
    tx, ty, tz = t[0], t[1], t[2]
    degree, adjacent = adjacency(n, u, v)
    near, near_d = np.empty(n, dtype=np.int64), np.empty(n)  # the node being explored
    other, other_d = np.empty(n, dtype=np.int64), np.empty(n)  # a neighbour's k-th
    best = np.empty(max(k, k_end) + 1)
    kth = np.full(n, np.nan)  # upper bound of each node's k-th nearest, once measured
    side = np.zeros(n, dtype=np.int8)  # 1: reached from `from`, 2: from `to`
    queue = np.empty((2, n), dtype=np.int64)
    head, tail = np.zeros(2, dtype=np.int64), np.ones(2, dtype=np.int64)
    queue[0, 0], queue[1, 0], side[0], side[1] = 0, 1, 1, 2
    for end in range(2):  # an asset node reached from one end checks the other's k-th
        f = _near(end, xyz, plane[end, 0] - x0, plane[end, 1] - y0, cell, nx, ny, cell_start,
                  order, tx, ty, tz, bound, bound, near, near_d)  # fmt: skip
        kth[end] = _kth_upper(near_d, f, k_end, best, slack)
    reads = 0
    while head[0] < tail[0] and head[1] < tail[1]:  # a side used up: the cut is found
        s = 0 if tail[0] <= tail[1] else 1  # grow the side that has reached fewer
        mine = s + 1
        i = queue[s, head[s]]
        head[s] += 1
        for p in range(degree[i], degree[i + 1]):  # reuse edges
            e = adjacent[p]
            j = v[e] if u[e] == i else u[e]
            if side[j] == 0:
                side[j], queue[s, tail[s]] = mine, j
                tail[s] += 1
            elif side[j] != mine:
                return False
        if i >= 2:  # an asset node may be among the other end's nearest
            end = 1 - s
            if _lower(_chord(xyz, i, end), slack) <= min(radius, kth[end]):
                return False
        f = _near(i, xyz, plane[i, 0] - x0, plane[i, 1] - y0, cell, nx, ny, cell_start,
                  order, tx, ty, tz, bound, bound, near, near_d)  # fmt: skip
        reads += 1
        if np.isnan(kth[i]):
            kth[i] = _kth_upper(near_d, f, k, best, slack)
        for c in range(f):
            j, low = near[c], _lower(near_d[c], slack)
            if side[j] == mine or low > radius:
                continue
            if low > kth[i] and i >= 2:  # not among i's nearest: is i among j's?
                if np.isnan(kth[j]):
                    w0, w1 = plane[j, 0] - x0, plane[j, 1] - y0
                    g = _near(j, xyz, w0, w1, cell, nx, ny, cell_start, order, tx, ty, tz,
                              bound, bound, other, other_d)  # fmt: skip
                    kth[j] = _kth_upper(other_d, g, k, best, slack)
                    reads += 1
                if low > kth[j]:
                    continue
            elif low > kth[i]:
                continue  # an end: only its own nearest
            if side[j] != 0:
                return False
            side[j], queue[s, tail[s]] = mine, j
            tail[s] += 1
        if reads > budget:
            return False
    return True
