"""Corridors in a route's metric frame: near segment pairs, distances and covered intervals.

Which parts of the route lie within `corridor_m` of a candidate line? For one route segment
p(t) = p0 + t·d (t ∈ [0, 1]) and one candidate segment ab, the points within c of ab form a
capsule (a rectangle plus two disks), which is convex, so its trace on the route segment is
one t-interval: the hull of the traces on the two disks (a quadratic) and on the rectangle
(two slabs, linear). This is exact, where buffering the candidate would cut the round ends
into polygons, and it vectorises over all segment pairs. Only pairs whose boxes, grown by the
corridor, meet are examined; a 10 km route through a city has ~100 of them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from matching.path import MetricPath

EPS_M = 1e-6  # intervals closer than this join
_PAIRS_PER_CHUNK = 200_000  # caps the (route segments × candidate segments) scratch matrix
_SLACK_M = 1e-3  # pairs this much beyond the corridor still go to the exact capsule test

Interval = tuple[float, float]


def _disks(p0x, p0y, dx, dy, cx, cy, c: float) -> tuple[np.ndarray, np.ndarray]:
    """t-ranges of p0 + t·d inside the disks of radius c at (cx, cy) (lo > hi: none)."""
    qa = dx * dx + dy * dy
    wx, wy = p0x - cx, p0y - cy
    qb = 2 * (dx * wx + dy * wy)
    qc = (wx * wx + wy * wy) - c * c
    disc = qb * qb - 4 * qa * qc
    moving, missed, inside = qa > 0, disc < 0, qc <= 0
    root = np.sqrt(np.maximum(disc, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.where(missed, np.inf, (-qb - root) / (2 * qa))
        hi = np.where(missed, -np.inf, (-qb + root) / (2 * qa))
    # A point-like route segment is in the disk for every t, or for none.
    lo = np.where(moving, lo, np.where(inside, -np.inf, np.inf))
    hi = np.where(moving, hi, np.where(inside, np.inf, -np.inf))
    return lo, hi


def _slab(alpha, beta, lower, upper) -> tuple[np.ndarray, np.ndarray]:
    """t where lower ≤ alpha + beta·t ≤ upper."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t1, t2 = (lower - alpha) / beta, (upper - alpha) / beta
    flat, flat_in = beta == 0, (alpha >= lower) & (alpha <= upper)
    lo = np.where(flat, np.where(flat_in, -np.inf, np.inf), np.minimum(t1, t2))
    hi = np.where(flat, np.where(flat_in, np.inf, -np.inf), np.maximum(t1, t2))
    return lo, hi


def capsule_intervals(p0, d, a, b, c: float) -> tuple[np.ndarray, np.ndarray]:
    """Per pair, the t ∈ [0, 1] range of p0 + t·d within c of segment ab (lo > hi: none).

    Works on x and y columns and treats both end disks in one pass: the cost is the number
    of numpy calls, not their length (a 10 km route has ~100 pairs).
    """
    n = len(p0)
    p0x, p0y, dx, dy = p0[:, 0], p0[:, 1], d[:, 0], d[:, 1]
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    lo_ab, hi_ab = _disks(
        np.tile(p0x, 2), np.tile(p0y, 2), np.tile(dx, 2), np.tile(dy, 2),
        np.concatenate([ax, bx]), np.concatenate([ay, by]), c,
    )  # fmt: skip
    abx, aby = bx - ax, by - ay
    length = np.hypot(abx, aby)
    segment = length > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ux = np.where(segment, abx / length, 0.0)
        uy = np.where(segment, aby / length, 0.0)
    wx, wy = p0x - ax, p0y - ay
    lo_s, hi_s = _slab(wx * ux + wy * uy, dx * ux + dy * uy, 0.0, length)
    lo_n, hi_n = _slab(wx * -uy + wy * ux, dx * -uy + dy * ux, -c, c)
    # The rectangle of a point-like segment is empty: it is just its disks.
    lo_r = np.where(segment, np.maximum(lo_s, lo_n), np.inf)
    hi_r = np.where(segment, np.minimum(hi_s, hi_n), -np.inf)
    los = np.concatenate([lo_ab, lo_r]).reshape(3, n)
    his = np.concatenate([hi_ab, hi_r]).reshape(3, n)
    present = los <= his
    lo = np.where(present, los, np.inf).min(axis=0)
    hi = np.where(present, his, -np.inf).max(axis=0)
    return np.maximum(lo, 0.0), np.minimum(hi, 1.0)


class Pairs(NamedTuple):
    """(route segment, candidate segment) pairs that may come within the corridor."""

    segment: np.ndarray  # route segment number
    a: np.ndarray  # (n, 2) metric start of the candidate segment
    b: np.ndarray  # (n, 2) metric end
    row: np.ndarray  # candidate row

    def take(self, keep: np.ndarray, renumber: np.ndarray | None = None) -> Pairs:
        """The pairs at `keep` (a mask or positions), rows mapped through `renumber`."""
        row = self.row[keep] if renumber is None else renumber[self.row[keep]]
        return Pairs(self.segment[keep], self.a[keep], self.b[keep], row)


def near_pairs(path: MetricPath, xy: np.ndarray, row: np.ndarray, corridor_m: float) -> Pairs:
    """Pairs whose boxes, grown by the corridor, meet: every pair closer than it is among them.

    `xy` holds the candidates' metric vertices and `row` the candidate of each vertex.
    """
    same = row[1:] == row[:-1]
    a, b, owner = xy[:-1][same], xy[1:][same], row[:-1][same]
    p0, d = path.segments
    seg_lo, seg_hi = np.minimum(a, b) - corridor_m, np.maximum(a, b) + corridor_m
    end = p0 + d
    route_lo, route_hi = np.minimum(p0, end), np.maximum(p0, end)
    found = []
    step = max(1, _PAIRS_PER_CHUNK // max(len(a), 1))
    for start in range(0, len(p0), step):
        part = slice(start, start + step)
        near = (route_lo[part, None, 0] <= seg_hi[None, :, 0]) & (
            route_hi[part, None, 0] >= seg_lo[None, :, 0]
        )
        near &= route_lo[part, None, 1] <= seg_hi[None, :, 1]
        near &= route_hi[part, None, 1] >= seg_lo[None, :, 1]
        ri, sj = np.nonzero(near)
        found.append((ri + start, sj))
    ri, sj = (np.concatenate(part) for part in zip(*found, strict=True))
    return Pairs(ri, a[sj], b[sj], owner[sj])


def corridor_intervals(
    path: MetricPath,
    xy: np.ndarray,
    row: np.ndarray,
    rows: int,
    corridor_m: float,
    pairs: Pairs | None = None,
) -> list[list[Interval]]:
    """For each candidate row, the merged route intervals (geodesic metres) within the corridor.

    `xy` holds the candidates' metric vertices and `row` the candidate of each vertex;
    `pairs`, when the caller has them (see `row_distances`), saves finding them again.
    """
    if pairs is None:
        pairs = near_pairs(path, xy, row, corridor_m)
    p0, d = path.segments
    lo, hi = capsule_intervals(p0[pairs.segment], d[pairs.segment], pairs.a, pairs.b, corridor_m)
    ok = lo <= hi
    ri = pairs.segment[ok]
    return _merge_rows(pairs.row[ok], path.measure(ri, lo[ok]), path.measure(ri, hi[ok]), rows)


def _point_segment(px, py, ax, ay, bx, by) -> np.ndarray:
    """Distance from each point p to each segment ab (a point where a == b)."""
    abx, aby = bx - ax, by - ay
    length2 = abx * abx + aby * aby
    with np.errstate(divide="ignore", invalid="ignore"):
        t = ((px - ax) * abx + (py - ay) * aby) / length2
    t = np.where(length2 > 0, np.clip(t, 0.0, 1.0), 0.0)
    return np.hypot(px - (ax + t * abx), py - (ay + t * aby))


def pair_distances(path: MetricPath, pairs: Pairs) -> np.ndarray:
    """Metric distance between the two segments of each pair.

    Zero where they cross, else the least of the four end-point-to-segment distances.
    """
    p0, d = path.segments
    p0x, p0y = p0[pairs.segment, 0], p0[pairs.segment, 1]
    dx, dy = d[pairs.segment, 0], d[pairs.segment, 1]
    p1x, p1y = p0x + dx, p0y + dy
    ax, ay, bx, by = pairs.a[:, 0], pairs.a[:, 1], pairs.b[:, 0], pairs.b[:, 1]
    ends = np.minimum(
        np.minimum(
            _point_segment(p0x, p0y, ax, ay, bx, by), _point_segment(p1x, p1y, ax, ay, bx, by)
        ),
        np.minimum(
            _point_segment(ax, ay, p0x, p0y, p1x, p1y), _point_segment(bx, by, p0x, p0y, p1x, p1y)
        ),
    )
    # Proper crossings: each segment's ends lie strictly on both sides of the other.
    side_a, side_b = dx * (ay - p0y) - dy * (ax - p0x), dx * (by - p0y) - dy * (bx - p0x)
    abx, aby = bx - ax, by - ay
    side_0, side_1 = abx * (p0y - ay) - aby * (p0x - ax), abx * (p1y - ay) - aby * (p1x - ax)
    return np.where((side_a * side_b < 0) & (side_0 * side_1 < 0), 0.0, ends)


def row_distances(
    path: MetricPath, xy: np.ndarray, row: np.ndarray, rows: int, corridor_m: float
) -> tuple[np.ndarray, Pairs]:
    """Metric distance from the route to each candidate row (inf beyond the corridor), and
    the pairs that can contribute to `corridor_intervals`.

    Replaces a GEOS distance per candidate (~2 µs each). Pairs farther apart than the
    corridor (plus `_SLACK_M`, far above rounding) cover nothing and are dropped.
    """
    pairs = near_pairs(path, xy, row, corridor_m)
    apart = pair_distances(path, pairs)
    distance = np.full(rows, np.inf)
    np.minimum.at(distance, pairs.row, apart)
    return distance, pairs.take(apart <= corridor_m + _SLACK_M)


def _merge_rows(owner, starts, ends, rows: int) -> list[list[Interval]]:
    """`coverage.merge` of each row's intervals, in one sort and one pass over all of them."""
    found: list[list[Interval]] = [[] for _ in range(rows)]
    order = np.lexsort((ends, starts, owner))  # by row, then as sorted() orders (s, e)
    current, out = -1, []
    for k, s, e in zip(
        owner[order].tolist(), starts[order].tolist(), ends[order].tolist(), strict=True
    ):
        if k != current:
            current, out = k, found[k]
        if out and s <= out[-1][1] + EPS_M:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return found
