"""Compiled loops of batch site matching: many query boxes at once, ranked per query.

The same tests and arithmetic as the one-query kernels (`kernels.scan_points`,
`kernels.site_pick`), looped over queries inside machine code so that a million queries
cost no million Python calls.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.kernels import _accepts
from matching.kernels_tree import tree_hits


@njit(cache=True, nogil=True)
def batch_scan_points(
    boxes, starts, counts, bucket, lon, lat, profile, free, allowed, codes, units, qboxes, qsrc
):  # pragma: no cover - compiled
    """(query of each hit, base point slot of each hit) for every query box (rows of
    `qboxes`, belonging to query `qsrc`); hits of one query come out in slot order."""
    cap = 1024
    out_q = np.empty(cap, dtype=np.int64)
    out_s = np.empty(cap, dtype=np.int64)
    n = 0
    n_points = len(lon)
    for b in range(len(qboxes)):
        x0, y0, x1, y1 = qboxes[b, 0], qboxes[b, 1], qboxes[b, 2], qboxes[b, 3]
        leaves = tree_hits(boxes, starts, counts, x0, y0, x1, y1)
        for leaf in leaves:
            for s in range(leaf * bucket, min(leaf * bucket + bucket, n_points)):
                x, y = lon[s], lat[s]
                if x < x0 or x > x1 or y < y0 or y > y1:
                    continue
                if not _accepts(s, profile, free, allowed, codes, units):
                    continue
                if n == cap:
                    cap *= 2
                    out_q = np.concatenate((out_q, np.empty(n, dtype=np.int64)))
                    out_s = np.concatenate((out_s, np.empty(n, dtype=np.int64)))
                out_q[n] = qsrc[b]
                out_s[n] = s
                n += 1
    return out_q[:n], out_s[:n]


@njit(cache=True, nogil=True)
def batch_scan_sorted(
    order, sorted_lon, lat, profile, free, allowed, codes, units, qboxes, qsrc
):  # pragma: no cover - compiled
    """`batch_scan_points` for a small table searched by bisection (the delta points)."""
    cap = 256
    out_q = np.empty(cap, dtype=np.int64)
    out_s = np.empty(cap, dtype=np.int64)
    n = 0
    for b in range(len(qboxes)):
        lo = np.searchsorted(sorted_lon, qboxes[b, 0], side="left")
        hi = np.searchsorted(sorted_lon, qboxes[b, 2], side="right")
        for k in range(lo, hi):
            s = order[k]
            if lat[s] < qboxes[b, 1] or lat[s] > qboxes[b, 3]:
                continue
            if not _accepts(s, profile, free, allowed, codes, units):
                continue
            if n == cap:
                cap *= 2
                out_q = np.concatenate((out_q, np.empty(n, dtype=np.int64)))
                out_s = np.concatenate((out_s, np.empty(n, dtype=np.int64)))
            out_q[n] = qsrc[b]
            out_s[n] = s
            n += 1
    return out_q[:n], out_s[:n]


@njit(cache=True, nogil=True)
def batch_pick(
    first,
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
    """`kernels.site_pick` for every query: hits first[q]:first[q + 1] belong to query q.

    Returns (hit positions that can make their query's top `limit`, their exact scores,
    eligible hits per query).
    """
    n_queries = len(first) - 1
    keep = np.zeros(len(slots), dtype=np.bool_)
    scores = np.zeros(len(slots), dtype=np.float64)
    eligible = np.zeros(n_queries, dtype=np.int64)
    w_p, w_h, w_r, w_s = weights[0], weights[1], weights[2], weights[3]
    for q in range(n_queries):
        m = 0
        for i in range(first[q], first[q + 1]):
            if distance[i] > radius:
                continue
            s = slots[i]
            if ok_mode == 2:
                ok = ok_given[i]
            elif ok_mode == 1:
                h = best_col[s]
                ok = (not np.isnan(h)) and h >= wanted
            else:
                ok = True
            if not ok:
                continue
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
            scores[i] = 100 * (w_p * proximity + w_h * height + w_r * headroom + sector_part)
            keep[i] = True
            m += 1
        eligible[q] = m
        if m > limit:
            chosen = np.empty(m, dtype=np.float64)
            j = 0
            for i in range(first[q], first[q + 1]):
                if keep[i]:
                    chosen[j] = scores[i]
                    j += 1
            cut = np.sort(chosen)[m - limit] - margin
            for i in range(first[q], first[q + 1]):
                if keep[i] and scores[i] < cut:
                    keep[i] = False
    return np.flatnonzero(keep), scores, eligible


@njit(cache=True, nogil=True)
def batch_scan_lines(
    tree_boxes,
    starts,
    counts,
    line_bucket,
    line_boxes,
    box_row,
    alive,
    profile,
    free,
    allowed,
    codes,
    units,
    qboxes,
    qsrc,
):  # pragma: no cover - compiled
    """(query, base line slot) of every live line passing the filter with an index box
    meeting one of its query's boxes, each once per query. `qsrc` must keep a query's boxes
    together (a slot is remembered as seen by the last query that met it). The tree is a
    `PackedTree` over the line buckets (`line_bucket` boxes each, in STR order)."""
    cap = 1024
    out_q = np.empty(cap, dtype=np.int64)
    out_s = np.empty(cap, dtype=np.int64)
    seen = np.full(len(alive), -1, dtype=np.int64)
    n = 0
    n_boxes = len(line_boxes)
    for b in range(len(qboxes)):
        q = qsrc[b]
        x0, y0, x1, y1 = qboxes[b, 0], qboxes[b, 1], qboxes[b, 2], qboxes[b, 3]
        for leaf in tree_hits(tree_boxes, starts, counts, x0, y0, x1, y1):
            for h in range(leaf * line_bucket, min(leaf * line_bucket + line_bucket, n_boxes)):
                if line_boxes[h, 0] > x1 or line_boxes[h, 2] < x0:
                    continue
                if line_boxes[h, 1] > y1 or line_boxes[h, 3] < y0:
                    continue
                s = box_row[h]
                if seen[s] == q:
                    continue
                seen[s] = q
                if not alive[s] or not _accepts(s, profile, free, allowed, codes, units):
                    continue
                if n == cap:
                    cap *= 2
                    out_q = np.concatenate((out_q, np.empty(n, dtype=np.int64)))
                    out_s = np.concatenate((out_s, np.empty(n, dtype=np.int64)))
                out_q[n] = q
                out_s[n] = s
                n += 1
    return out_q[:n], out_s[:n]
