"""Compiled probes: base and delta points in one call; a route's base and delta lines.

After 10,000 caught-up writes most site queries also scan the delta table: a second
kernel call (~1.7 µs of dispatch for its nine arguments) and ~1.5 µs of Python around it
(`Generation._filtered`, `_scan_delta`). Calling both scans from inside one compiled
function pays the dispatch once. The two scans are `kernels.scan_points` and
`kernels.scan_sorted` themselves, so the slots are the same as calling them one by one.

A route's base line probe, too, is one compiled call (`scan_lines`): the tree walk over a
packed tree of the line buckets, the box tests, the dedup and the filter, where
libspatialindex's probe, three numpy box tests, `np.unique` and the filter's gathers took
~30 numpy calls; and so is its delta line probe (`scan_boxes`, no tree), where numpy took
8 calls per query box (~160 for a 10 km route).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from matching.kernels import scan_points, scan_sorted
from matching.kernels_tree import tree_hits


@njit(cache=True, nogil=True)
def scan_points_and_delta(
    boxes, starts, counts, bucket, lon, lat, profile, free, allowed, codes, units, qbox,
    order, sorted_lon, d_lat, d_profile, d_free,
):  # fmt: skip  # pragma: no cover - compiled
    """(base slots, delta slots) inside `qbox` that pass the filter, each in slot order."""
    base = scan_points(
        boxes, starts, counts, bucket, lon, lat, profile, free, allowed, codes, units, qbox
    )
    delta = scan_sorted(order, sorted_lon, d_lat, d_profile, d_free, allowed, codes, units, qbox)
    return base, delta


@njit(cache=True, nogil=True, inline="always")
def _meets(line_boxes, h, x0, y0, x1, y1):  # pragma: no cover - compiled
    """Does line box h meet the query box (edges included, as the tree's test)?"""
    box = line_boxes[h]
    return box[0] <= x1 and box[2] >= x0 and box[1] <= y1 and box[3] >= y0


@njit(cache=True, nogil=True)
def scan_lines(
    tree_boxes, starts, counts, line_bucket, line_boxes, box_row, alive, profile, free,
    allowed, codes, units, qboxes,
):  # fmt: skip  # pragma: no cover - compiled
    """Live base line slots, sorted and unique, with an index box meeting one of `qboxes`
    and passing the filter: `Generation.line_slots` + `RowFilter.accepts` in one call.
    The tree is a `PackedTree` over the line buckets (`line_bucket` boxes each)."""
    out = np.empty(256, dtype=np.int64)
    n = 0
    n_boxes = len(line_boxes)
    for b in range(len(qboxes)):
        x0, y0, x1, y1 = qboxes[b, 0], qboxes[b, 1], qboxes[b, 2], qboxes[b, 3]
        for leaf in tree_hits(tree_boxes, starts, counts, x0, y0, x1, y1):
            first = leaf * line_bucket
            for h in range(first, min(first + line_bucket, n_boxes)):
                if _meets(line_boxes, h, x0, y0, x1, y1):
                    if n == len(out):
                        out = np.concatenate((out, np.empty(n, dtype=np.int64)))
                    out[n] = box_row[h]
                    n += 1
    return _live_accepted(out[:n], alive, profile, free, allowed, codes, units)


@njit(cache=True, nogil=True)
def scan_boxes(
    line_boxes, box_row, alive, profile, free, allowed, codes, units, qboxes
):  # pragma: no cover - compiled
    """`scan_lines` without a tree, for the delta lines (a few hundred after 10 k writes):
    `AssetTable.in_boxes` + `RowFilter.accepts`, where numpy took 8 calls per query box."""
    out = np.empty(len(line_boxes), dtype=np.int64)
    n = 0
    for h in range(len(line_boxes)):
        for b in range(len(qboxes)):
            if _meets(line_boxes, h, qboxes[b, 0], qboxes[b, 1], qboxes[b, 2], qboxes[b, 3]):
                out[n] = box_row[h]
                n += 1
                break
    return _live_accepted(out[:n], alive, profile, free, allowed, codes, units)


@njit(cache=True, nogil=True, inline="always")
def _live_accepted(rows, alive, profile, free, allowed, codes, units):  # pragma: no cover
    """The rows, sorted and unique, that are alive and pass the filter. Filtered before the
    sort: most box hits fail the filter (~3 000 hits, ~800 kept for a 5 km plan's fibre
    need), and sorting every hit was most of the probe's time."""
    keep = np.empty(len(rows), dtype=np.int64)
    m = 0
    for s in rows:  # lean passes without branches: the rows' cold columns load in parallel
        keep[m] = s
        m += alive[s] & allowed[profile[s]]
    for k in range(len(codes)):
        n = 0
        for i in range(m):
            keep[n] = keep[i]
            n += free[keep[i], codes[k]] >= units[k]
        m = n
    found = np.sort(keep[:m])
    n = 0
    for k in range(m):
        if k == 0 or found[k] != found[k - 1]:  # a line met by several query boxes, or
            found[n] = found[k]  # with several index boxes
            n += 1
    return found[:n]
