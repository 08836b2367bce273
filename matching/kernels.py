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


@njit(cache=True, nogil=True, inline="always")
def _height_ok(i, s, ok_mode, ok_given, best_col, wanted):  # pragma: no cover - compiled
    """Row i (slot s) meets the height condition: `ok_mode` 0 none, 1 `best_col` >= `wanted`
    (no antenna need), 2 `ok_given[i]` (antenna mounts counted by height in numpy)."""
    if ok_mode == 2:
        return ok_given[i]
    if ok_mode == 1:
        h = best_col[s]
        return (not np.isnan(h)) and h >= wanted
    return True


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
        if distance[i] <= radius and _height_ok(i, slots[i], ok_mode, ok_given, best_col, wanted):
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


# Bounds of the approximate distance in `site_bounds`: a flat ellipsoidal frame at the mid
# latitude is within 4e-4 of the geodesic distance up to 50 km (the largest radius) and 85°
# (tests/unit/matching/test_site_bounds.py measures it); the bound claims 1e-3 + 1 mm.
APPROX_REL, APPROX_ABS_M, APPROX_MAX_LAT = 1e-3, 1e-3, 75.0
_A, _E2 = 6_378_137.0, (1 / 298.257223563) * (2 - 1 / 298.257223563)


@njit(cache=True, nogil=True, inline="always")
def approx_distance(qlon, qlat, x, y):  # pragma: no cover - compiled
    """Metres from (qlon, qlat) to (x, y) in a flat frame at their mid latitude."""
    phi = np.radians((qlat + y) / 2)
    s = np.sin(phi)
    w = np.sqrt(1 - _E2 * s * s)
    dlon = (x - qlon + 180.0) % 360.0 - 180.0
    dx = np.radians(dlon) * (_A / w) * np.cos(phi)
    dy = np.radians(y - qlat) * (_A * (1 - _E2) / (w * w * w))
    return np.sqrt(dx * dx + dy * dy)


@njit(cache=True, nogil=True)
def site_bounds(
    slots, lon, lat, qlon, qlat, radius, free, codes, units, best_col, sector, sector_pref,
    ok_mode, wanted, ok_given, limit, margin, weights, reference
):  # fmt: skip  # pragma: no cover - compiled
    """The rows of `site_pick` whose exact (pyproj) distance can matter, from bounds on an
    approximate one: those that may lie on either side of the radius, and those whose best
    possible score reaches the limit-th best worst-possible score (less `margin`). Every
    row of the top `limit`, and every row `site_pick` would keep, is among them.

    Returns (positions into `slots` needing the exact distance, how many other rows are
    surely eligible). The scores here only bound: `site_pick` computes the real ones.
    """
    n = len(slots)
    status = np.zeros(n, dtype=np.int8)  # 0 out, 1 surely in, 2 either side of the radius
    lo_score = np.empty(n, dtype=np.float64)
    hi_score = np.empty(n, dtype=np.float64)
    w_p, w_h, w_r, w_s = weights[0], weights[1], weights[2], weights[3]
    sure = 0
    for i in range(n):
        s = slots[i]
        if not _height_ok(i, s, ok_mode, ok_given, best_col, wanted):
            continue
        d = approx_distance(qlon, qlat, lon[s], lat[s])
        tol = APPROX_REL * d + APPROX_ABS_M
        if d - tol > radius:
            continue
        status[i] = 1 if d + tol <= radius else 2
        sure += status[i] == 1
        best = best_col[s]
        height = 0.0 if np.isnan(best) else min(best / reference, 1.0)
        headroom = 0.0
        for k in range(len(codes)):
            f = free[s, codes[k]]
            headroom += (f - units[k]) / max(f, 1)
        headroom /= len(codes)
        rest = w_h * height + w_r * headroom + w_s * sector_pref[sector[s]]
        near = max(1.0 - max(d - tol, 0.0) / radius, 0.0)
        far = max(1.0 - (d + tol) / radius, 0.0)
        hi_score[i] = 100 * (w_p * near + rest) + 1e-9
        lo_score[i] = 100 * (w_p * far + rest) - 1e-9
    floor = -np.inf  # the limit-th best score is at least this
    if sure >= limit:
        floor = np.sort(lo_score[status == 1])[sure - limit]
    need = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if status[i] == 2 or (status[i] == 1 and hi_score[i] >= floor - margin):
            need[m] = i
            m += 1
            if status[i] == 1:
                sure -= 1
    return need[:m], sure


@njit(cache=True, nogil=True)
def site_columns(
    slots, top, distance, scores, best_col, ids, kind, sensitivity, owner, sector, free, codes,
    ragged_row, ref_offsets
):  # fmt: skip  # pragma: no cover - compiled
    """What a site report shows of the rows `top` (positions into `slots`), one row each:
    integers (asset id, kind, sensitivity, owner id, sector, row of the owner ref in its
    Ragged, the ref's start and end, free units of each need) and floats (distance, best
    height, score). One call instead of a dozen numpy gathers; `ragged_row` empty: the refs
    are in slot order."""
    k = len(top)
    out = np.empty((k, 8 + len(codes)), dtype=np.int64)
    real = np.empty((k, 3), dtype=np.float64)
    for j in range(k):
        s = slots[top[j]]
        r = s if len(ragged_row) == 0 else ragged_row[s]
        out[j, 0], out[j, 1], out[j, 2] = ids[s], kind[s], sensitivity[s]
        out[j, 3], out[j, 4], out[j, 5] = owner[s], sector[s], r
        out[j, 6], out[j, 7] = ref_offsets[r], ref_offsets[r + 1]
        for c in range(len(codes)):
            out[j, 8 + c] = free[s, codes[c]]
        real[j, 0], real[j, 1], real[j, 2] = distance[top[j]], best_col[s], scores[j]
    return out, real


__all__ = [
    "NODE",
    "PackedTree",
    "scan_points",
    "scan_sorted",
    "site_bounds",
    "site_columns",
    "site_pick",
]
