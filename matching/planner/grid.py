"""Compiled neighbour candidates for the planner: a grid of `bound`-sized cells over the
targets, every target within `bound` of each point, and the choice of each point's k nearest.

Lengths are metric (`frame`: ECEF chords, 3 columns); the cells lie in a plane the caller
projects the points onto (`frame.plane`), never farther apart there than in the metric, so
the 3 x 3 cells around a point hold every target within `bound` of it. Reading the targets
outwards ring by ring from smaller cells was tried (2026-11-29): on the benchmark's plans half
the points have fewer than 8 others within 250 m, so it read more cells and was 2x slower.

Why not cKDTree plus numpy: a 5 km plan asks ~2 000 points for their 8 nearest among the
same points. Measured on 5 km plans of a 200 k-line registry (thread time, a loaded machine):
the new-trench step took ~8.7 ms with the KD-tree and numpy over (points × candidates ×
candidates) arrays, ~3.1 ms with this kernel (~1.2 ms of it here). A grid holds *every* target
within reach, so no point needs a second, wider query when metric lengths tie."""

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
def _grid(plane, metric, bound):  # pragma: no cover - compiled
    """Targets sorted by cell (a counting sort): (order, their metric coordinates in that
    order, first of each cell, nx, ny, origin, cell size)."""
    m = len(plane)
    x0, y0, x1, y1 = plane[0, 0], plane[0, 1], plane[0, 0], plane[0, 1]
    for j in range(1, m):  # the box in one pass (four numpy reductions were four)
        x0, x1 = min(x0, plane[j, 0]), max(x1, plane[j, 0])
        y0, y1 = min(y0, plane[j, 1]), max(y1, plane[j, 1])
    width, height = x1 - x0, y1 - y0
    # Cells of at least `bound` keep every target within reach in the 3 x 3 around a point;
    # larger ones where the targets spread far (a 100 km plan): not more cells than ~4 per
    # target, so the cell table stays small.
    size = bound * max(1.0, np.ceil(np.sqrt((width / bound + 1) * (height / bound + 1)
                                            / (4 * m + 1024))))  # fmt: skip
    nx, ny = int(np.floor(width / size)) + 1, int(np.floor(height / size)) + 1
    key = np.empty(m, dtype=np.int64)
    cell_start = np.zeros(nx * ny + 1, dtype=np.int64)
    for j in range(m):  # as `_cells`, a point at a time
        ix = np.int64(np.floor((plane[j, 0] - x0) / size))
        key[j] = ix * ny + np.int64(np.floor((plane[j, 1] - y0) / size))
        cell_start[key[j] + 1] += 1
    for c in range(nx * ny):
        cell_start[c + 1] += cell_start[c]
    order, fill = np.empty(m, dtype=np.int64), cell_start[:-1].copy()
    for j in range(m):
        order[fill[key[j]]] = j
        fill[key[j]] += 1
    # Coordinates in cell order: a point's neighbours are read from a few contiguous runs.
    t = np.empty((3, m))
    for s in range(m):
        j = order[s]
        t[0, s], t[1, s], t[2, s] = metric[j, 0], metric[j, 1], metric[j, 2]
    return order, t, cell_start, nx, ny, x0, y0, size


@njit(cache=True, nogil=True, inline="always")
def kth_smallest(metric, f, k, best):  # pragma: no cover - compiled
    """The k-th and (k+1)-th smallest of metric[:f] (inf where there are fewer); `best` is a
    buffer of k + 1, kept sorted. Each value is merged in without a branch (min/max per
    place: the sorted array with it inserted and its largest dropped): a point's lengths
    arrive in cell order, so an insertion sort's branches were mispredicted, and choosing
    the k-th took most of the neighbour search (2026-11-29)."""
    for p in range(k + 1):
        best[p] = np.inf
    for t in range(f):
        d = metric[t]
        for p in range(k, 0, -1):  # from the top: best[p - 1] is still the old one
            best[p] = max(best[p - 1], min(best[p], d))
        best[0] = min(best[0], d)
    return best[k - 1], best[k]


@njit(cache=True, nogil=True, inline="always")
def status_of(d, kth_upper, next_lower, radius, slack):  # pragma: no cover - compiled
    """OUT/SURE/UNSURE of a candidate at metric length d (`_classify`)."""
    lower, upper = max(d * (1 - slack) - 1e-3, 0.0), d * (1 + slack) + 1e-3
    if upper < next_lower and upper <= radius:
        return SURE
    if not (kth_upper < lower) and lower <= radius:
        return UNSURE
    return OUT


@njit(cache=True, nogil=True)
def _classify(metric, k, radius, slack, status):  # pragma: no cover - compiled
    """OUT/SURE/UNSURE of one point's candidates from their length intervals.

    The bounds grow with the metric length, so the k-th smallest upper bound is that of the
    k-th shortest candidate, and so on: a candidate is certainly chosen when its upper bound
    is below the (k+1)-th smallest lower bound (fewer than k others could be as short), and
    certainly not when the k-th smallest upper bound is below its lower bound.
    """
    kth, next_ = kth_smallest(metric, len(metric), k, np.empty(k + 1))
    kth_upper = kth * (1 + slack) + 1e-3
    next_lower = max(next_ * (1 - slack) - 1e-3, 0.0)
    for t in range(len(metric)):
        status[t] = status_of(metric[t], kth_upper, next_lower, radius, slack)


@njit(cache=True, nogil=True)
def _grown(array, cap):  # pragma: no cover - compiled
    out = np.empty(cap, dtype=array.dtype)
    out[: len(array)] = array
    return out


@njit(
    "Tuple((int64[:], int64[:], float64[:], int8[:]))"
    "(float64[:, :], float64[:, :], float64[:, :], float64[:, :], boolean, int64, float64,"
    " float64, float64)",
    cache=True,
    nogil=True,
)
def candidates(  # pragma: no cover - compiled
    points, targets, plane_p, plane_t, skip_self, k, radius, bound, slack
):
    """(start per point, target, metric length, SURE/UNSURE) of the targets within `bound`
    (metric: `points`/`targets`, (n, 3)) of each point (skipping target i for point i when
    `skip_self`) that may be among its k nearest, grouped by point.

    SURE: fewer than k other candidates could be as short (geodesically: metric within
    `slack`·d + 1 mm) and within `radius`; OUT: k others are certainly shorter, or it is
    certainly beyond `radius`.
    """
    n, m = len(points), len(targets)
    start = np.zeros(n + 1, dtype=np.int64)
    size, cap = 0, 4 * (k + 1) * n + 16
    target, metric = np.empty(cap, dtype=np.int64), np.empty(cap)
    status = np.empty(cap, dtype=np.int8)
    if m == 0:
        return start, target[:0], metric[:0], status[:0]
    order, t, cell_start, nx, ny, x0, y0, cell = _grid(plane_t, targets, bound)
    tx, ty, tz = t[0], t[1], t[2]
    px, py, _ = _cells(plane_p, x0, y0, cell, ny)
    near, near_d = np.empty(m, dtype=np.int64), np.empty(m)  # one point's candidates
    kind = np.empty(m, dtype=np.int8)
    for i in range(n):
        f, x, y, z = 0, points[i, 0], points[i, 1], points[i, 2]
        for cx in range(max(px[i] - 1, 0), min(px[i] + 2, nx)):
            for cy in range(max(py[i] - 1, 0), min(py[i] + 2, ny)):
                c = cx * ny + cy
                for s in range(cell_start[c], cell_start[c + 1]):
                    d = np.sqrt((x - tx[s]) ** 2 + (y - ty[s]) ** 2 + (z - tz[s]) ** 2)
                    if d <= bound and not (skip_self and order[s] == i):
                        near[f], near_d[f] = order[s], d
                        f += 1
        kind[:f] = OUT
        _classify(near_d[:f], k, radius, slack, kind[:f])
        for t in range(f):  # keep the candidates that are not certainly out
            if kind[t] == OUT:
                continue
            if size == cap:  # grow
                cap *= 2
                target, metric, status = _grown(target, cap), _grown(metric, cap), \
                    _grown(status, cap)  # fmt: skip
            target[size], metric[size], status[size] = near[t], near_d[t], kind[t]
            size += 1
        start[i + 1] = size
    return start, target[:size], metric[:size], status[:size]


@njit(cache=True, nogil=True, inline="always")
def choose_run(a, b, target, rank, k, best, chosen):  # pragma: no cover - compiled
    """Mark in `chosen` the first k of candidates a..b by (rank, target) among those of finite
    rank; `best` is a buffer of at least b - a. Certainly chosen ones (-inf) are at most k:
    when there are no others (nearly always), they are all chosen without sorting."""
    sure = b - a <= k
    for s in range(a, b):
        sure &= rank[s] == -np.inf
    if sure:
        for s in range(a, b):
            chosen[s] = True
        return
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
    for p in range(min(count, k)):
        chosen[best[p]] = True


@njit("boolean[:](int64[:], int64[:], float64[:], int64)", cache=True, nogil=True)
def choose(start, target, rank, k):  # pragma: no cover - compiled
    """Per point, its first k candidates by (rank, target) among those of finite rank
    (-inf: certainly chosen); which were chosen."""
    chosen = np.zeros(len(target), dtype=np.bool_)
    best = np.empty(len(target), dtype=np.int64)
    for i in range(len(start) - 1):
        choose_run(start[i], start[i + 1], target, rank, k, best, chosen)
    return chosen


@njit("Tuple((int64[:, :], float64[:]))(float64[:, :], float64[:, :], float64)",
      cache=True, nogil=True)  # fmt: skip
def close_pairs(points, plane, reach):  # pragma: no cover - compiled
    """(i < j pairs, their metric lengths) of the points within `reach` of each other.

    A sweep along the plane's longer side (a snap tolerance of 2 m: a window holds a point or
    two; the longer side, so that one street along the other is not all in one window), in
    slices at least `reach` wide: a pair within reach lies in one slice or two neighbouring
    ones. The slices are a counting sort; sorting the points along the side (the sweep until
    2026-11-30) was most of the snap, as cKDTree.query_pairs' tree build was before it.
    """
    n = len(points)
    pairs, lengths = np.empty((max(n, 16), 2), dtype=np.int64), np.empty(max(n, 16))
    if n == 0:
        return pairs[:0], lengths[:0]
    spread_x = plane[:, 0].max() - plane[:, 0].min()
    along = 0 if spread_x >= plane[:, 1].max() - plane[:, 1].min() else 1
    across = 1 - along
    lo = plane[:, along].min()
    width = plane[:, along].max() - lo
    size = max(reach, width / (4 * n + 16)) * (1 + 1e-9)  # not more than ~4 per point
    count = int(width / size) + 2
    slice_start = np.zeros(count + 1, dtype=np.int64)
    key = np.empty(n, dtype=np.int64)
    for i in range(n):
        key[i] = min(int((plane[i, along] - lo) / size), count - 2)
        slice_start[key[i] + 1] += 1
    for c in range(count):
        slice_start[c + 1] += slice_start[c]
    fill, order = slice_start[:-1].copy(), np.empty(n, dtype=np.int64)
    for i in range(n):
        order[fill[key[i]]] = i
        fill[key[i]] += 1
    size_out = 0
    for a in range(n):  # each point against the rest of its slice and the next slice
        i = order[a]
        for b in range(a + 1, slice_start[key[i] + 2]):
            j = order[b]
            if abs(plane[j, along] - plane[i, along]) > reach:
                continue
            if abs(plane[j, across] - plane[i, across]) > reach:
                continue
            d = np.sqrt((points[i, 0] - points[j, 0]) ** 2 + (points[i, 1] - points[j, 1]) ** 2
                        + (points[i, 2] - points[j, 2]) ** 2)  # fmt: skip
            if d <= reach:
                if size_out == len(pairs):
                    pairs = np.concatenate((pairs, np.empty_like(pairs)))
                    lengths = _grown(lengths, 2 * len(lengths))
                pairs[size_out, 0], pairs[size_out, 1] = min(i, j), max(i, j)
                lengths[size_out] = d
                size_out += 1
    return pairs[:size_out], lengths[:size_out]


@njit("int64[:](int64, int64[:, :])", cache=True, nogil=True)
def clusters(n, pairs):  # pragma: no cover - compiled
    """Cluster number of each of n points joined (transitively) by `pairs`, numbered from 0
    in the order of each cluster's first point."""
    parent = np.arange(n)
    for p in range(len(pairs)):
        a, b = pairs[p, 0], pairs[p, 1]
        while parent[a] != a:
            a = parent[a]
        while parent[b] != b:
            b = parent[b]
        if a != b:  # the root is the cluster's least point
            parent[max(a, b)] = min(a, b)
    label = np.empty(n, dtype=np.int64)
    count = 0
    for i in range(n):  # a root precedes the rest of its cluster: its number is already set
        root = i
        while parent[root] != root:
            root = parent[root]
        if root == i:
            label[i] = count
            count += 1
        else:
            label[i] = label[root]
    return label
