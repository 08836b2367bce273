"""Compiled: the reuse side of a plan graph from the snapped vertices, in one pass, and the
graph's edge columns from both sides in another.

Which vertex places each node (the first of its cluster), which segments of the lines are
reuse edges (two consecutive vertices of one line on different nodes), and their chords.
Written with numpy (maximum.accumulate, diff, repeat, flatnonzero, a norm over an (n, 3)
axis) these were ~15 calls; they are one here, with the same answers.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(
    "Tuple((int64[:], int64[:], int64[:], int64[:], float64[:]))"
    "(int64[:], int64[:], float64[:, :])",
    cache=True,
    nogil=True,
)
def reuse(node_of, offsets, xyz):  # pragma: no cover - compiled
    """(first vertex of each asset node, reuse segments' first vertex, their line, their
    segment number on it, their chord) for vertices numbered into nodes by `node_of` (from
    2, in the order of each node's first vertex); `xyz` holds the two ends, then the vertices.
    """
    n = len(node_of)
    first = np.empty(n, dtype=np.int64)
    count, top = 0, 1
    for i in range(n):  # a node's first vertex is where its number first appears
        if node_of[i] > top:
            top = node_of[i]
            first[count] = i
            count += 1
    a = np.empty(max(n - 1, 0), dtype=np.int64)
    line, seg, chord = np.empty_like(a), np.empty_like(a), np.empty(len(a))
    m = 0
    for k in range(len(offsets) - 1):
        for i in range(offsets[k], offsets[k + 1] - 1):
            if node_of[i] != node_of[i + 1]:
                p, q = i + 2, i + 3
                chord[m] = np.sqrt((xyz[q, 0] - xyz[p, 0]) ** 2 + (xyz[q, 1] - xyz[p, 1]) ** 2
                                   + (xyz[q, 2] - xyz[p, 2]) ** 2)  # fmt: skip
                a[m], line[m], seg[m] = i, k, i - offsets[k]
                m += 1
    return first[:count], a[:m], line[:m], seg[:m], chord[:m]


@njit(
    "Tuple((int64[:], int64[:], int64[:], int64[:], float64[:]))"
    "(int64[:], int64[:], int64[:], int64[:], float64[:], int64[:], int64[:], float64)",
    cache=True,
    nogil=True,
)
def joined(node_of, a, line_a, seg_a, line_rate, lo, hi, build):  # pragma: no cover - compiled
    """(u, v, line, seg, price per metre) of the graph's edges: the reuse segments (first
    vertex `a`, on line `line_a`) then the trench pairs (lo, hi; line and seg -1, `build` a
    metre): what ten numpy concatenations, gathers and fills made, in one pass."""
    r, t = len(a), len(lo)
    u, v = np.empty(r + t, dtype=np.int64), np.empty(r + t, dtype=np.int64)
    line, seg, rate = np.full(r + t, -1), np.full(r + t, -1), np.full(r + t, build)
    for e in range(r):
        u[e], v[e] = node_of[a[e]], node_of[a[e] + 1]
        line[e], seg[e], rate[e] = line_a[e], seg_a[e], line_rate[line_a[e]]
    u[r:], v[r:] = lo, hi
    return u, v, line, seg, rate


@njit(
    "Tuple((float64[:, :], float64[:, :], float64[:, :]))"
    "(float64[:, :], float64[:, :], float64[:, :], float64[:, :], int64[:])",
    cache=True,
    nogil=True,
)
def nodes_at(ends, vertices, xy, plane, first):  # pragma: no cover - compiled
    """(lon/lat, ECEF, plane coordinates) of the graph's nodes: the two ends, then the first
    vertex of each asset node (`reuse`); `xy` and `plane` hold the ends, then the vertices.
    Numpy's row gathers and a concatenation took ~0.08 ms of a 5 km plan for these."""
    m = len(first) + 2
    lonlat, node_xy, flat = np.empty((m, 2)), np.empty((m, 3)), np.empty((m, 2))
    for i in range(m):
        p = i if i < 2 else first[i - 2] + 2
        if i < 2:
            lonlat[i, 0], lonlat[i, 1] = ends[i, 0], ends[i, 1]
        else:
            lonlat[i, 0], lonlat[i, 1] = vertices[p - 2, 0], vertices[p - 2, 1]
        node_xy[i, 0], node_xy[i, 1], node_xy[i, 2] = xy[p, 0], xy[p, 1], xy[p, 2]
        flat[i, 0], flat[i, 1] = plane[p, 0], plane[p, 1]
    return lonlat, node_xy, flat
