"""Linear referencing of corridors along a route, interval algebra, and the greedy route cover.

Which parts of the route lie within `corridor_m` of a candidate line? For one route segment
p(t) = p0 + t·d (t ∈ [0, 1]) and one candidate segment ab, the points within c of ab form a
capsule (a rectangle plus two disks), which is convex, so its trace on the route segment is
one t-interval: the hull of the traces on the two disks (a quadratic) and on the rectangle
(two slabs, linear). This is exact, where buffering the candidate would cut the round ends
into polygons, and it vectorises over all segment pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.path import MetricPath

EPS_M = 1e-6
_PAIRS_PER_CHUNK = 200_000  # caps the (route segments × candidate segments) scratch matrix

Interval = tuple[float, float]


def _disk(p0, d, centre, c) -> tuple[np.ndarray, np.ndarray]:
    qa = np.einsum("ij,ij->i", d, d)
    w = p0 - centre
    qb = 2 * np.einsum("ij,ij->i", d, w)
    qc = np.einsum("ij,ij->i", w, w) - c * c
    disc = qb * qb - 4 * qa * qc
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(np.maximum(disc, 0.0))
        lo = np.where(qa > 0, (-qb - root) / (2 * qa), np.where(qc <= 0, -np.inf, np.inf))
        hi = np.where(qa > 0, (-qb + root) / (2 * qa), np.where(qc <= 0, np.inf, -np.inf))
    empty = (qa > 0) & (disc < 0)
    return np.where(empty, np.inf, lo), np.where(empty, -np.inf, hi)


def _slab(alpha, beta, lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """t where lower ≤ alpha + beta·t ≤ upper."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lower - alpha) / beta, (upper - alpha) / beta
        flat_in = (alpha >= lower) & (alpha <= upper)
        lo = np.where(beta != 0, np.minimum(t1, t2), np.where(flat_in, -np.inf, np.inf))
        hi = np.where(beta != 0, np.maximum(t1, t2), np.where(flat_in, np.inf, -np.inf))
    return lo, hi


def capsule_intervals(p0, d, a, b, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, the t ∈ [0, 1] range of p0 + t·d within c of segment ab (lo > hi: none)."""
    lo_a, hi_a = _disk(p0, d, a, c)
    lo_b, hi_b = _disk(p0, d, b, c)
    ab = b - a
    length = np.hypot(ab[:, 0], ab[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        u = ab / length[:, None]
    u = np.where(length[:, None] > 0, u, 0.0)
    n = np.column_stack([-u[:, 1], u[:, 0]])
    w = p0 - a
    lo_s, hi_s = _slab(np.einsum("ij,ij->i", w, u), np.einsum("ij,ij->i", d, u), 0.0, length)
    lo_n, hi_n = _slab(np.einsum("ij,ij->i", w, n), np.einsum("ij,ij->i", d, n), -c, c)
    lo_r, hi_r = np.maximum(lo_s, lo_n), np.minimum(hi_s, hi_n)
    lo_r = np.where(length > 0, lo_r, np.inf)  # a point-like segment is just its disks
    hi_r = np.where(length > 0, hi_r, -np.inf)
    los = np.stack([lo_a, lo_b, lo_r])
    his = np.stack([hi_a, hi_b, hi_r])
    present = los <= his
    lo = np.where(present, los, np.inf).min(axis=0)
    hi = np.where(present, his, -np.inf).max(axis=0)
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)


def corridor_intervals(
    path: MetricPath, xy: np.ndarray, row: np.ndarray, rows: int, corridor_m: float
) -> list[list[Interval]]:
    """For each candidate row, the merged route intervals (geodesic metres) within the corridor.

    `xy` holds the candidates' metric vertices and `row` the candidate of each vertex.
    """
    same = row[1:] == row[:-1]
    a, b, owner = xy[:-1][same], xy[1:][same], row[:-1][same]
    p0, d = path.segments
    seg_lo, seg_hi = np.minimum(a, b) - corridor_m, np.maximum(a, b) + corridor_m
    route_lo, route_hi = np.minimum(p0, p0 + d), np.maximum(p0, p0 + d)
    found: list[list[Interval]] = [[] for _ in range(rows)]
    step = max(1, _PAIRS_PER_CHUNK // max(len(a), 1))
    for start in range(0, len(p0), step):
        part = slice(start, start + step)
        near = np.all(
            (route_lo[part, None, :] <= seg_hi[None, :, :])
            & (route_hi[part, None, :] >= seg_lo[None, :, :]),
            axis=2,
        )
        ri, sj = np.nonzero(near)
        ri += start
        lo, hi = capsule_intervals(p0[ri], d[ri], a[sj], b[sj], corridor_m)
        ok = lo <= hi
        starts, ends = path.measure(ri[ok], lo[ok]), path.measure(ri[ok], hi[ok])
        for k, s, e in zip(owner[sj[ok]].tolist(), starts.tolist(), ends.tolist(), strict=True):
            found[k].append((s, e))
    return [merge(intervals) for intervals in found]


def merge(intervals: Sequence[Interval]) -> list[Interval]:
    """Sorted union of intervals; ones that touch (within EPS_M) join."""
    out: list[list[float]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1] + EPS_M:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def total(intervals: Sequence[Interval]) -> float:
    return float(sum(e - s for s, e in intervals))


def subtract(base: Sequence[Interval], cut: Sequence[Interval]) -> list[Interval]:
    """Parts of `base` (merged) not in `cut` (merged), in one merge-like pass."""
    out: list[Interval] = []
    k = 0
    for s, e in base:
        while k < len(cut) and cut[k][1] <= s:
            k += 1
        pos, j = s, k
        while j < len(cut) and cut[j][0] < e:
            if cut[j][0] > pos:
                out.append((pos, cut[j][0]))
            pos = max(pos, cut[j][1])
            j += 1
        if pos < e:
            out.append((pos, e))
    return [(s, e) for s, e in out if e - s > EPS_M]


def overlap(a: Sequence[Interval], b: Sequence[Interval]) -> float:
    """Length of the intersection of two merged interval lists (two pointers)."""
    i = j = 0
    length = 0.0
    while i < len(a) and j < len(b):
        length += max(0.0, min(a[i][1], b[j][1]) - max(a[i][0], b[j][0]))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return length


def gaps(covered: Sequence[Interval], length_m: float) -> list[Interval]:
    return subtract([(0.0, length_m)], covered)


@dataclass(frozen=True)
class CoverOption:
    """A candidate the cover may use: its owner, its price per metre and where it runs."""

    asset_id: int
    owner_id: int
    cost_per_m: float
    intervals: tuple[Interval, ...]


def _choose_owners(options: Sequence[CoverOption]) -> set[int]:
    """Greedy set cover by owner: take the owner adding most metres (then cheaper, lower id).

    Works on elementary pieces (the route cut at every interval end), so each round is one
    boolean matrix-vector product instead of an interval walk per owner.
    """
    owners = sorted({o.owner_id for o in options})
    row = {owner: k for k, owner in enumerate(owners)}
    bounds = np.unique([x for o in options for iv in o.intervals for x in iv])
    if len(bounds) < 2:
        return set()
    reach = np.zeros((len(owners), len(bounds) - 1), dtype=bool)
    cheapest = dict.fromkeys(owners, np.inf)
    for o in options:
        cheapest[o.owner_id] = min(cheapest[o.owner_id], o.cost_per_m)
        for s, e in o.intervals:
            reach[row[o.owner_id], np.searchsorted(bounds, s) : np.searchsorted(bounds, e)] = True
    pieces = np.diff(bounds)
    uncovered = reach.any(axis=0)
    ids = np.array(owners)
    costs = np.array([cheapest[o] for o in owners])
    chosen: set[int] = set()
    while True:
        gains = np.round((reach & uncovered) @ pieces, 6)
        if gains.max() <= EPS_M:
            return chosen
        best = np.lexsort((-ids, -costs, gains))[-1]  # most metres, then cheapest, then lowest id
        chosen.add(owners[best])
        uncovered &= ~reach[best]


def _sweep(pool: Sequence[CoverOption], start: float, end: float, legs: list) -> None:
    """Cover [start, end] left to right, each time taking the option that reaches farthest."""
    pos, used = start, {leg[0].asset_id for leg in legs}
    while pos < end - EPS_M:
        reaching = [
            (opt, e)
            for opt in pool
            for s, e in opt.intervals
            if s <= pos + EPS_M and e > pos + EPS_M
        ]
        if not reaching:
            later = [s for opt in pool for s, e in opt.intervals if s > pos and s < end]
            if not later:
                return
            pos = min(later)
            continue
        opt, reach = max(
            reaching,
            key=lambda p: (
                round(min(p[1], end), 6),
                p[0].asset_id in used,
                -p[0].cost_per_m,
                -p[0].asset_id,
            ),
        )
        stop = min(reach, end)
        if legs and legs[-1][0] is opt and abs(legs[-1][2] - pos) <= EPS_M:
            legs[-1] = (opt, legs[-1][1], stop)
        else:
            legs.append((opt, pos, stop))
        used.add(opt.asset_id)
        pos = stop


def greedy_cover(options: Sequence[CoverOption]) -> list[tuple[CoverOption, float, float]]:
    """A cheap cover of everything the options cover, as (option, from_m, to_m) legs.

    Objective, in order: fewest owners (one agreement per owner), then fewest assets, then
    lowest sharing price. Exact minimisation is NP-hard (set cover), so: (1) pick owners by
    greedy set cover, most newly covered metres first; (2) within those owners' assets, sweep
    each covered stretch left to right taking the asset that reaches farthest (optimal in the
    number of pieces for interval cover), preferring an asset already used, then the
    cheaper, then the lower id. Deterministic for the same input.
    """
    union = merge([iv for opt in options for iv in opt.intervals])
    owners = _choose_owners(options)
    pool = sorted((o for o in options if o.owner_id in owners), key=lambda o: o.asset_id)
    legs: list[tuple[CoverOption, float, float]] = []
    for start, end in union:
        _sweep(pool, start, end, legs)
    return legs
