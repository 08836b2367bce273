"""Compiled: each distinct undirected trench pair once, in (lo, hi) order, exact length first.

A 5 km plan has ~20 000 trench candidates (each node's 8 nearest, most found from both
ends). A stable argsort of their int64 keys took ~1 ms (timsort; thread time on the loaded
benchmark machine), a fifth of the graph build; a counting sort by `lo` and an insertion sort
of each node's handful of partners take a few tens of µs and choose the same entries.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit("int64[:](int64[:], int64[:], boolean[:], int64)", cache=True, nogil=True)
def distinct(lo, hi, exact, n):  # pragma: no cover - compiled
    """Indices of the entries that stand for each distinct (lo, hi) pair (nodes below n),
    sorted by (lo, hi): of a pair's entries the first exact one, else its first entry."""
    m = len(lo)
    start = np.zeros(n + 1, dtype=np.int64)
    for e in range(m):
        start[lo[e] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill, by_lo = start[:-1].copy(), np.empty(m, dtype=np.int64)
    for e in range(m):  # stable: a node's entries keep their order
        by_lo[fill[lo[e]]] = e
        fill[lo[e]] += 1
    out, size = np.empty(m, dtype=np.int64), 0
    for i in range(n):
        a, b = start[i], start[i + 1]
        for s in range(a + 1, b):  # stable insertion sort by (hi, not exact)
            e, p = by_lo[s], s
            while p > a:
                q = by_lo[p - 1]
                if hi[q] < hi[e] or (hi[q] == hi[e] and (exact[q] or not exact[e])):
                    break
                by_lo[p] = q
                p -= 1
            by_lo[p] = e
        for s in range(a, b):  # the first of each run of one hi
            if s == a or hi[by_lo[s]] != hi[by_lo[s - 1]]:
                out[size] = by_lo[s]
                size += 1
    return out[:size]


@njit(
    "Tuple((int64[:], int64[:], float64[:]))(int64[:], int64[:], float64[:], float64, float64)",
    cache=True,
    nogil=True,
)
def sure_pairs(start, target, metric, slack, straight):  # pragma: no cover - compiled
    """`trench.chosen_pairs` when every candidate is SURE (nearly every plan: the frame's
    bounds are ~1 mm wide), so every one is chosen and no length is exact but the straight
    (0, 1)'s: (lo, hi, lower-bound length) of each distinct pair, sorted by (lo, hi).

    A pair found from both ends has the same metric length both ways (the same differences,
    squared), so which entry stands for it does not matter. A node's partners above it are
    its own candidates above it and the nodes above it that chose it; gathered per node with
    a stamp against repeats, then sorted by hi: no (lo, hi) array of every entry to sort."""
    n, e = len(start) - 1, len(target)
    # The tests below pass or fail in no order a branch predictor learns (a new graph per
    # request): each is an addition of a boolean or a store to a spare slot, not a branch.
    back = np.zeros(n + 1, dtype=np.int64)  # entries j -> t with t < j, counted by t
    for j in range(n):
        for s in range(start[j], start[j + 1]):
            back[target[s] + 1] += target[s] < j
    for i in range(n):
        back[i + 1] += back[i]
    fill, back_hi = back[:-1].copy(), np.empty(back[n] + 1, dtype=np.int64)
    back_d = np.empty(back[n] + 1)
    for j in range(n):
        for s in range(start[j], start[j + 1]):
            t = target[s]
            below = t < j
            at = fill[t] if below else back[n]  # the spare last slot
            back_hi[at], back_d[at] = j, metric[s]
            fill[t] += below
    lo, hi, length = (
        np.empty(e + 1, dtype=np.int64),
        np.empty(e + 1, dtype=np.int64),
        np.empty(e + 1),
    )
    lo[0], hi[0], length[0] = 0, 1, straight
    seen = np.full(n, -1, dtype=np.int64)
    run_h, run_d = np.empty(n + 1, dtype=np.int64), np.empty(n + 1)
    p = 1
    for i in range(n):
        c = 0
        for s in range(start[i], start[i + 1]):
            t = target[s]
            new = (t > i) & (seen[t] != i)
            seen[t] = i  # harmless for t < i: only partners above i are looked up for i
            run_h[c], run_d[c] = t, metric[s]
            c += new
        for r in range(back[i], back[i + 1]):
            new = seen[back_hi[r]] != i
            seen[back_hi[r]] = i
            run_h[c], run_d[c] = back_hi[r], back_d[r]
            c += new
        for a in range(1, c):  # insertion sort by hi: a node has a handful of partners
            h, d, q = run_h[a], run_d[a], a
            while q > 0 and run_h[q - 1] > h:
                run_h[q], run_d[q] = run_h[q - 1], run_d[q - 1]
                q -= 1
            run_h[q], run_d[q] = h, d
        for a in range(c):
            lo[p], hi[p] = i, run_h[a]
            length[p] = max(run_d[a] * (1 - slack) - 1e-3, 0.0)
            p += 1
    return lo[:p], hi[:p], length[:p]
