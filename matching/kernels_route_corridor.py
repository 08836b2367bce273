"""One compiled call from a route's candidate vertices to their covered stretches.

`refine.near_path` + `linref.linear_coverage` made ~60 numpy calls and four kernel calls a
route (the near pairs, their sort by candidate segment, the projections, the pieces, their
merge), each on arrays of a few hundred values. `corridor_cover` runs the same kernels
(`kernels_route.near_pairs`, `projection`, `pieces`, `merge_pieces`) on the same values in
the same order, and does the numpy glue between them in loops: a row's distance is the
least of its pairs' (`np.minimum.at`), the sorts are stable merge sorts on the keys
`np.lexsort` uses with the position last, so every float and every order is the one the
numpy path gives (tests/unit/matching/test_route_corridor.py checks them against it).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.kernels_route import merge_pieces, near_pairs, pieces, projection


@njit(cache=True, nogil=True, inline="always")
def _before5(k0, k1, k2, k3, k4, i, j):  # pragma: no cover - compiled
    """Does position i sort before j by (k0, k1, k2, k3, k4, position), as np.lexsort?"""
    if k0[i] != k0[j]:
        return k0[i] < k0[j]
    if k1[i] != k1[j]:
        return k1[i] < k1[j]
    if k2[i] != k2[j]:
        return k2[i] < k2[j]
    if k3[i] != k3[j]:
        return k3[i] < k3[j]
    if k4[i] != k4[j]:
        return k4[i] < k4[j]
    return i < j


@njit(cache=True, nogil=True)
def _stable_order(k0, k1, k2, k3, k4):  # pragma: no cover - compiled
    """`np.lexsort((k4, k3, k2, k1, k0))`: a bottom-up merge sort of the positions (no key
    holds a nan here: they are coordinates, measures and row numbers)."""
    n = len(k0)
    order = np.arange(n)
    spare = np.empty(n, dtype=np.int64)
    width = 1
    while width < n:
        for lo in range(0, n, 2 * width):
            mid, hi = min(lo + width, n), min(lo + 2 * width, n)
            i, j, out = lo, mid, lo
            while i < mid and j < hi:
                if _before5(k0, k1, k2, k3, k4, order[j], order[i]):
                    spare[out] = order[j]
                    j += 1
                else:
                    spare[out] = order[i]
                    i += 1
                out += 1
            spare[out : out + mid - i] = order[i:mid]
            out += mid - i
            spare[out : out + hi - j] = order[j:hi]
        order, spare = spare, order
        width *= 2
    return order


@njit(cache=True, nogil=True)
def _firsts(sorted_rows, rows):  # pragma: no cover - compiled
    """`np.searchsorted(sorted_rows, np.arange(rows + 1))`: where each row's run starts."""
    first = np.empty(rows + 1, dtype=np.int64)
    k = 0
    for r in range(rows + 1):
        while k < len(sorted_rows) and sorted_rows[k] < r:
            k += 1
        first[r] = k
    return first


@njit(cache=True, nogil=True)
def gather_vertices(offsets, values, slots):  # pragma: no cover - compiled
    """The vertices of rows `slots` of a Ragged of (k, 2) lon/lat (no overrides among them)
    as fresh x and y columns, and the position in `slots` of each vertex's row."""
    n = 0
    for s in slots:
        n += offsets[s + 1] - offsets[s]
    x, y = np.empty(n), np.empty(n)
    owner = np.empty(n, dtype=np.int64)
    k = 0
    for i in range(len(slots)):
        for v in range(offsets[slots[i]], offsets[slots[i] + 1]):
            x[k], y[k], owner[k] = values[v, 0], values[v, 1], i
            k += 1
    return x, y, owner


@njit(cache=True, nogil=True)
def _near_rows(x, y, owner, n_rows, p0, d, corridor_m, reach_m):  # pragma: no cover - compiled
    """`refine.near_path`'s numbers: the distance of every row, and the pairs of the rows
    within the corridor (renumbered among them) that come within `reach_m`."""
    same = 0
    for v in range(len(owner) - 1):
        same += owner[v + 1] == owner[v]
    a, b = np.empty((same, 2)), np.empty((same, 2))
    seg_row = np.empty(same, dtype=np.int64)
    s = 0
    for v in range(len(owner) - 1):
        if owner[v + 1] == owner[v]:
            a[s, 0], a[s, 1], b[s, 0], b[s, 1] = x[v], y[v], x[v + 1], y[v + 1]
            seg_row[s] = owner[v]
            s += 1
    ri, sj, apart = near_pairs(p0, d, a, b, corridor_m)
    distance = np.full(n_rows, np.inf)
    for k in range(len(ri)):
        r, v = seg_row[sj[k]], apart[k]
        if v < distance[r] or v != v:  # np.minimum: the lesser, a nan wins
            distance[r] = v
    renumber = np.empty(n_rows, dtype=np.int64)
    kept = 0
    for r in range(n_rows):
        renumber[r] = kept
        kept += distance[r] <= corridor_m
    take = np.empty(len(ri), dtype=np.int64)
    n = 0
    for k in range(len(ri)):
        if apart[k] <= reach_m and distance[seg_row[sj[k]]] <= corridor_m:
            take[n] = k
            n += 1
    seg, pa, pb = ri[take[:n]], np.empty((n, 2)), np.empty((n, 2))
    row = np.empty(n, dtype=np.int64)
    for m in range(n):
        j = sj[take[m]]
        pa[m, 0], pa[m, 1], pb[m, 0], pb[m, 1] = a[j, 0], a[j, 1], b[j, 0], b[j, 1]
        row[m] = renumber[seg_row[j]]
    return distance, kept, seg, pa, pb, row


@njit(cache=True, nogil=True, error_model="numpy")
def corridor_cover(
    x, y, owner, n_rows, p0, d, corridor_m, reach_m, start_m, seg_m, cc, tiny, eps, min_cover
):  # fmt: skip  # pragma: no cover - compiled
    """(distance per row, number of pairs, projections, pieces by row, first piece of each
    kept row, merged stretches (row, then lo, hi, lateral at lo, at hi), first stretch of
    each kept row). `x`, `y`: the rows' metric vertices, `owner` the row of each; rows are
    kept when their distance is within `corridor_m`, numbered among the kept in order."""
    distance, kept, seg, pa, pb, row = _near_rows(x, y, owner, n_rows, p0, d, corridor_m, reach_m)
    n = len(row)
    by_key = _stable_order(row, pa[:, 0], pa[:, 1], pb[:, 0], pb[:, 1])
    seg, pa, pb, row = seg[by_key], pa[by_key], pb[by_key], row[by_key]
    starts = np.empty(n, dtype=np.int64)
    groups = 0
    for k in range(n):
        if k == 0 or row[k] != row[k - 1] or pa[k, 0] != pa[k - 1, 0] or (
            pa[k, 1] != pa[k - 1, 1] or pb[k, 0] != pb[k - 1, 0] or pb[k, 1] != pb[k - 1, 1]
        ):  # fmt: skip
            starts[groups] = k
            groups += 1
    starts = starts[:groups]
    sizes = np.empty(groups, dtype=np.int64)
    for g in range(groups):
        sizes[g] = (starts[g + 1] if g + 1 < groups else n) - starts[g]
    proj = projection(seg, pa, pb, p0, d)
    found, lat = pieces(proj, row, seg, starts, sizes, start_m, seg_m, cc, tiny, eps)
    by_row = np.argsort(found[:, 0], kind="mergesort")
    ordered = found[by_row]
    piece_first = _firsts(ordered[:, 0], kept)
    zero = np.zeros(len(found))
    order = _stable_order(found[:, 0], found[:, 1], found[:, 2], zero, zero)
    merged_row, merged = merge_pieces(
        found[order, 0].astype(np.int64), found[order, 1], found[order, 2],
        lat[order, 0], lat[order, 1], eps,
    )  # fmt: skip
    keep = merged[:, 1] - merged[:, 0] >= min_cover
    merged_row, merged = merged_row[keep], merged[keep]
    return distance, n, proj, ordered, piece_first, merged, _firsts(merged_row, kept)
