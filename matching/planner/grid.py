"""Compiled neighbour candidates for the planner: a grid of `bound`-sized cells over the
targets, every target within `bound` of each point, and the choice of each point's k nearest.

Why not cKDTree plus numpy: a 5 km plan asks ~2 400 points for their 8 nearest among the
same points; building the tree, querying it and deciding the ranks with numpy over (points ×
candidates × candidates) arrays took ~4 ms of thread time, this ~0.3 ms. A grid holds *every*
target within reach, so no point needs a second, wider query when metric lengths tie.
"""

from __future__ import annotations

import numpy as np
from numba import njit

OUT, SURE, UNSURE = 0, 1, 2  # a candidate: certainly not chosen, certainly chosen, measure it


@njit(cache=True, nogil=True)
def _cells(xy, x0, y0, size, ny):  # pragma: no cover - compiled
    ix = np.floor((xy[:, 0] - x0) / size).astype(np.int64)
    iy = np.floor((xy[:, 1] - y0) / size).astype(np.int64)
    return ix, iy, ix * ny + iy


@njit(cache=True, nogil=True)
def _scan(points, targets, grid, px, py, bound, skip_self, fill, target, metric, write, limit):
    """Visit every target within `bound` of each point: count them (False once more than
    `limit`), or write them."""
    order, cell_start, nx, ny = grid
    seen = 0
    for i in range(len(points)):
        if not write:
            seen += fill[i - 1] if i else 0
            if seen > limit:
                return False
        for cx in range(max(px[i] - 1, 0), min(px[i] + 2, nx)):
            for cy in range(max(py[i] - 1, 0), min(py[i] + 2, ny)):
                c = cx * ny + cy
                for s in range(cell_start[c], cell_start[c + 1]):
                    j = order[s]
                    if skip_self and j == i:
                        continue
                    d = np.sqrt((points[i, 0] - targets[j, 0]) ** 2
                                + (points[i, 1] - targets[j, 1]) ** 2)  # fmt: skip
                    if d > bound:
                        continue
                    if write:
                        target[fill[i]], metric[fill[i]] = j, d
                    fill[i] += 1
    return True


@njit(cache=True, nogil=True)
def _counts(lower, upper, t):  # pragma: no cover - compiled
    """(candidates that could be as short as t, itself included; certainly shorter)."""
    could_be_shorter = shorter = 0
    for q in range(len(lower)):
        could_be_shorter += lower[q] <= upper[t]
        shorter += upper[q] < lower[t]
    return could_be_shorter, shorter


@njit(cache=True, nogil=True)
def _sorted_counts(lower, upper):  # pragma: no cover - compiled
    """`_counts` of every candidate at once, by binary search: for a point with many."""
    could_be_shorter = np.searchsorted(np.sort(lower), upper, side="right")
    shorter = np.searchsorted(np.sort(upper), lower, side="left")
    return could_be_shorter, shorter


@njit(cache=True, nogil=True)
def _classify(lower, upper, k, radius, status):  # pragma: no cover - compiled
    """OUT/SURE/UNSURE of one point's candidates from their length intervals."""
    many = len(lower) > 32  # pairwise counting is faster for few, sorting for many
    sorted_could, sorted_shorter = _sorted_counts(lower if many else lower[:0],
                                                  upper if many else upper[:0])  # fmt: skip
    for t in range(len(lower)):
        if many:
            could_be_shorter, shorter = sorted_could[t], sorted_shorter[t]
        else:
            could_be_shorter, shorter = _counts(lower, upper, t)
        if could_be_shorter <= k and upper[t] <= radius:
            status[t] = SURE
        elif shorter < k and lower[t] <= radius:
            status[t] = UNSURE


@njit(
    "Tuple((int64[:], int64[:], float64[:], int8[:]))"
    "(float64[:, :], float64[:, :], boolean, int64, float64, float64, float64, int64)",
    cache=True,
    nogil=True,
)
def candidates(points, targets, skip_self, k, radius, bound, slack, limit):  # pragma: no cover
    """(start per point, target, metric length, OUT/SURE/UNSURE) of every target within
    `bound` of each point (skipping target i for point i when `skip_self`), grouped by point;
    or, past `limit` candidates in all (dense data: a KD-tree's k nearest do better), no
    candidates and start[-1] = -1.

    SURE: fewer than k other candidates could be as short (geodesically: metric within
    `slack`·d + 1 mm) and within `radius`; OUT: k others are certainly shorter, or it is
    certainly beyond `radius`.
    """
    n, m = len(points), len(targets)
    start = np.zeros(n + 1, dtype=np.int64)
    if m == 0 or n == 0:
        return start, np.empty(0, np.int64), np.empty(0), np.empty(0, np.int8)
    x0, y0 = targets[:, 0].min(), targets[:, 1].min()
    nx = int(np.floor((targets[:, 0].max() - x0) / bound)) + 1
    ny = int(np.floor((targets[:, 1].max() - y0) / bound)) + 1
    _, _, key = _cells(targets, x0, y0, bound, ny)
    cell_start = np.zeros(nx * ny + 1, dtype=np.int64)  # a counting sort by cell
    for j in range(m):
        cell_start[key[j] + 1] += 1
    for c in range(nx * ny):
        cell_start[c + 1] += cell_start[c]
    order, fill = np.empty(m, dtype=np.int64), cell_start[:-1].copy()
    for j in range(m):
        order[fill[key[j]]] = j
        fill[key[j]] += 1
    grid = (order, cell_start, nx, ny)
    px, py, _ = _cells(points, x0, y0, bound, ny)
    count = np.zeros(n, dtype=np.int64)
    if not _scan(points, targets, grid, px, py, bound, skip_self, count, count, np.empty(0),
                 False, limit):  # fmt: skip
        start[n] = -1
        return start, np.empty(0, np.int64), np.empty(0), np.empty(0, np.int8)
    start[1:] = np.cumsum(count)
    total = start[n]
    target, metric = np.empty(total, dtype=np.int64), np.empty(total)
    fill = start[:-1].copy()
    _scan(points, targets, grid, px, py, bound, skip_self, fill, target, metric, True, limit)
    status = np.full(total, OUT, dtype=np.int8)
    lower_all = np.maximum(metric * (1 - slack) - 1e-3, 0.0)
    upper_all = metric * (1 + slack) + 1e-3
    for i in range(n):
        _classify(lower_all[start[i] : start[i + 1]], upper_all[start[i] : start[i + 1]],
                  k, radius, status[start[i] : start[i + 1]])  # fmt: skip
    return start, target, metric, status


@njit("boolean[:](int64[:], int64[:], float64[:], int64)", cache=True, nogil=True)
def choose(start, target, rank, k):  # pragma: no cover - compiled
    """Per point, its first k candidates by (rank, target) among those of finite rank
    (-inf: certainly chosen); which were chosen."""
    chosen = np.zeros(len(target), dtype=np.bool_)
    for i in range(len(start) - 1):
        a, b = start[i], start[i + 1]
        best = np.empty(b - a, dtype=np.int64)
        count = 0
        for s in range(a, b):
            if rank[s] == np.inf:
                continue
            p = count  # insertion into the sorted `best`
            while p > 0:
                q = best[p - 1]
                if rank[q] < rank[s] or (rank[q] == rank[s] and target[q] < target[s]):
                    break
                best[p] = q
                p -= 1
            best[p] = s
            count += 1
        for s in best[: min(count, k)]:
            chosen[s] = True
    return chosen
