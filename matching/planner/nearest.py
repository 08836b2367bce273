"""Neighbour choices that measure with `Geod.inv` only what the metric frame can't decide.

A geodesic length costs ~0.5 µs (Karney's algorithm in pyproj), a 5 km plan has ~10 000
new-trench candidates, and their lengths were most of its time. In the request's metric
frame every distance is within `slack`·d + 1 mm of the geodesic one (`graph._frame_error`),
so a metric distance gives the interval the geodesic length lies in. A candidate whose
interval puts it among a point's k nearest for certain is chosen unmeasured; one whose
interval puts it out for certain is dropped; only the rest are measured. The chosen but
unmeasured edges keep the interval's lower end as their length, and the search
(`search.cheapest`) measures the edges of the path it is about to return until they all are
exact: a path that is cheapest under lower bounds and exact on itself is cheapest.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from matching import geo
from matching.planner import frame, grid

_CANDIDATE_SLACK = 2  # extra metric neighbours fetched before ranking by geodesic length
TRUSTED_FRAME_ERROR = 1e-2  # a larger (or NaN) bound: measure every candidate
_MM = 1e-3


def pair_lengths(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Geodesic metres between the lon/lat rows of a and b."""
    if not len(a):
        return np.empty(0)
    # pyproj's kernel overwrites its first three inputs with (azimuth, back azimuth, distance):
    # fresh contiguous copies, and no `Geod.inv` buffer checks (as `geo.geodesic_distances`).
    lon1, lat1 = np.array(a[:, 0], dtype=np.float64), np.array(a[:, 1], dtype=np.float64)
    lon2, lat2 = np.array(b[:, 0], dtype=np.float64), np.array(b[:, 1], dtype=np.float64)
    geo._GEOD_INV(lon1, lat1, lon2, lat2, radians=False, return_back_azimuth=True)
    return lon2


def lower_bound(metric: np.ndarray, slack: float) -> np.ndarray:
    """The least geodesic length a metric distance allows (0 at least)."""
    return np.maximum(metric * (1 - slack) - _MM, 0.0)


def upper_bound(metric: np.ndarray, slack: float) -> np.ndarray:
    return metric * (1 + slack) + _MM


def _measure(points, targets, a, b, skip_self: bool) -> np.ndarray:
    """Geodesic lengths from points[a] to targets[b]."""
    if skip_self:  # points are the targets: measure each unordered pair once (inv is symmetric)
        n = len(points)
        key, back = np.unique(np.minimum(a, b) * n + np.maximum(a, b), return_inverse=True)
        return pair_lengths(points[key // n], points[key % n])[back]
    return pair_lengths(points[a], targets[b])


def _nearest_in_grid(points, xy, targets, target_ids, k, radius_m, skip_self, slack):
    """`nearest` in a trusted frame: every candidate within reach from the compiled grid."""
    both = np.concatenate([xy, targets[1]]).astype(np.float64)
    # One plane for points and targets places them in the grid's cells; the metric measures.
    on_plane = frame.plane(both)
    if both.shape[1] == 2:  # a plane frame (the tests' Transverse Mercator) is its own metric
        both = np.column_stack([both, np.zeros(len(both))])
    start, target, metric, status = grid.candidates(
        both[: len(xy)], both[len(xy) :], on_plane[: len(xy)], on_plane[len(xy) :],
        skip_self, k, radius_m, radius_m * 1.01 + 1, slack,
    )  # fmt: skip
    point = np.repeat(np.arange(len(points)), np.diff(start))
    unsure = np.flatnonzero(status == grid.UNSURE)
    length = np.full(len(target), np.inf)
    length[unsure] = _measure(points, targets[0], point[unsure], target[unsure], skip_self)
    length[length > radius_m] = np.inf
    rank = np.where(status == grid.SURE, -np.inf, length)
    chosen = np.flatnonzero(grid.choose(start, target, rank, k))
    exact = status[chosen] == grid.UNSURE
    lengths = np.where(exact, length[chosen], lower_bound(metric[chosen], slack))
    return np.column_stack([point[chosen], target_ids[target[chosen]]]), lengths, exact


def nearest(points, xy, targets, target_ids, k, radius_m, skip_self: bool, slack: float):
    """((i, j) pairs, their lengths, which lengths are exact): each point's k nearest targets
    within radius_m (geodesic; ties by id). `slack`: a bound on |metric / geodesic - 1| in
    this frame. A length that is not exact is a lower bound of the geodesic one."""
    if not len(targets[0]) or not len(points) or k < 1:
        return np.empty((0, 2), dtype=np.int64), np.empty(0), np.empty(0, dtype=bool)
    if slack < TRUSTED_FRAME_ERROR:
        return _nearest_in_grid(points, xy, targets, target_ids, k, radius_m, skip_self, slack)
    return _nearest_measured(points, xy, targets, target_ids, k, radius_m, skip_self)


def _nearest_measured(points, xy, targets, target_ids, k, radius_m, skip_self: bool):
    """`nearest` where the frame can't be trusted (NaN too: a frame on the far side of the
    globe): the KD-tree's few nearest, every one measured."""
    n_targets = len(targets[0])
    fetch = min(k + _CANDIDATE_SLACK + int(skip_self), n_targets)
    _, found = cKDTree(targets[1]).query(xy, k=fetch, distance_upper_bound=radius_m * 1.01 + 1)
    found = found.reshape(len(points), fetch)
    i = np.repeat(np.arange(len(points))[:, None], fetch, axis=1)
    ok = found < n_targets
    if skip_self:
        ok &= i != found
    length = np.full(found.shape, np.inf)
    length[ok] = _measure(points, targets[0], i[ok], found[ok], skip_self)
    length[length > radius_m] = np.inf
    ids = np.where(np.isfinite(length), target_ids[np.minimum(found, n_targets - 1)], -1)
    # Each point's few candidates sorted in place by (length, id): many tiny sorts, not one
    # big one over every pair.
    order = np.lexsort((ids, length), axis=-1)[:, :k]
    best = np.take_along_axis(length, order, axis=1)
    keep = np.isfinite(best)
    chosen = np.take_along_axis(ids, order, axis=1)[keep]
    return np.column_stack([i[:, :k][keep], chosen]), best[keep], np.ones(keep.sum(), bool)
