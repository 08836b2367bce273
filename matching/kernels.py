"""Compiled inner loops of site matching (numba `@njit(cache=True)`): probe, filter, rank.

Why numba rather than Cython: no compiler is needed at install, the kernels live beside
the numpy code they replace (and are tested against it), and `cache=True` keeps the machine
code between runs. Cython was not measured against it (it is not installed here); the cost
that mattered was the ~25 numpy calls (~1 µs each) per query that any compiled loop removes:
site p50 went from ~230 to ~130 µs on the 1 M benchmark registry (loaded VM).

Exactness: `site_pick` computes `site_rows.exact_scores` with the same IEEE operations in
the same order (numba neither fuses multiply-adds nor reassociates without fastmath), so
the reports stay byte-identical (tests/unit/matching/test_site_golden.py).

`kernels_warm.warm_up()` compiles (or loads from numba's cache) every kernel on a tiny
registry: the app calls it at start-up so that no request pays the JIT.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.kernels_tree import NODE, PackedTree, tree_hits


@njit(cache=True, nogil=True, inline="always")
def _accepts(s, profile, free, allowed, codes, units):  # pragma: no cover - compiled
    if not allowed[profile[s]]:
        return False
    for k in range(len(codes)):  # noqa: SIM110 - a loop compiles; all() over a generator not
        if free[s, codes[k]] < units[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def scan_points(
    boxes, starts, counts, bucket, lon, lat, profile, free, allowed, codes, units, qbox
):  # pragma: no cover - compiled
    """Base point slots inside the query box `qbox` that pass the filter, in slot order:
    the packed tree's walk, the box test and the filter in one pass."""
    x0, y0, x1, y1 = qbox[0], qbox[1], qbox[2], qbox[3]
    leaves = tree_hits(boxes, starts, counts, x0, y0, x1, y1)
    n_points = len(lon)
    out = np.empty(len(leaves) * bucket, dtype=np.int64)
    n = 0
    for leaf in leaves:
        for s in range(leaf * bucket, min(leaf * bucket + bucket, n_points)):
            x, y = lon[s], lat[s]
            if x < x0 or x > x1 or y < y0 or y > y1:
                continue
            if _accepts(s, profile, free, allowed, codes, units):
                out[n] = s
                n += 1
    return out[:n]


@njit(cache=True, nogil=True)
def scan_sorted(
    order, sorted_lon, lat, profile, free, allowed, codes, units, qbox
):  # pragma: no cover - compiled
    """Slots of a small table (the delta) inside `qbox` that pass the filter, found by
    bisecting the table's longitudes (sorted once per table); sorted by slot."""
    lo = np.searchsorted(sorted_lon, qbox[0], side="left")
    hi = np.searchsorted(sorted_lon, qbox[2], side="right")
    out = np.empty(hi - lo, dtype=np.int64)
    n = 0
    for k in range(lo, hi):
        s = order[k]
        if lat[s] < qbox[1] or lat[s] > qbox[3]:
            continue
        if _accepts(s, profile, free, allowed, codes, units):
            out[n] = s
            n += 1
    return np.sort(out[:n])


@njit(cache=True, nogil=True)
def site_pick(
    slots,
    distance,
    radius,
    free,
    codes,
    units,
    best_col,
    sector,
    sector_pref,
    ok_mode,
    wanted,
    ok_given,
    limit,
    margin,
    weights,
    reference,
):  # pragma: no cover - compiled
    """The site ranking of `site_rows.finalists` for the rows `slots` of a table.

    `ok_mode`: 0 every near row is eligible, 1 eligible if `best_col` >= `wanted` (no antenna
    need), 2 eligible where `ok_given` (antenna mounts counted by height in numpy).
    Returns (positions into `slots` of the rows that can make the top `limit`, their exact
    scores before rounding, the number of eligible rows).
    """
    n = len(slots)
    near = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if distance[i] <= radius:
            if ok_mode == 2:
                ok = ok_given[i]
            elif ok_mode == 1:
                h = best_col[slots[i]]
                ok = (not np.isnan(h)) and h >= wanted
            else:
                ok = True
            if ok:
                near[m] = i
                m += 1
    near = near[:m]
    scores = np.empty(m, dtype=np.float64)
    w_p, w_h, w_r, w_s = weights[0], weights[1], weights[2], weights[3]
    for j in range(m):
        i = near[j]
        s = slots[i]
        proximity = max(1.0 - distance[i] / radius, 0.0)
        best = best_col[s]
        height = 0.0 if np.isnan(best) else min(best / reference, 1.0)
        headroom = 0.0
        for k in range(len(codes)):
            f = free[s, codes[k]]
            part = (f - units[k]) / max(f, 1)
            headroom = part if k == 0 else headroom + part
        if len(codes) > 1:
            headroom /= len(codes)
        sector_part = w_s * sector_pref[sector[s]]
        # Summed left to right, as numpy and site.site_score do: the same float.
        scores[j] = 100 * (w_p * proximity + w_h * height + w_r * headroom + sector_part)
    if m <= limit:
        return near, scores, m
    ordered = np.sort(scores)
    cut = ordered[m - limit] - margin
    keep = scores >= cut
    return near[keep], scores[keep], m


__all__ = ["NODE", "PackedTree", "scan_points", "scan_sorted", "site_pick"]
