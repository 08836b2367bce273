"""Corridors in a route's metric frame: near segment pairs and their distances.

Which candidate segments come within `corridor_m` of which route segments? Only pairs whose
boxes, grown by the corridor, meet are examined (a 10 km route through a city has ~100 of
them); their exact segment-to-segment distance keeps those within the corridor, which
`linref` turns into covered stretches.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from matching import kernels_route
from matching.path import MetricPath

EPS_M = 1e-6  # intervals closer than this join
_PAIRS_PER_CHUNK = 200_000  # caps the (route segments × candidate segments) scratch matrix
_SLACK_M = 1e-3  # pairs this much beyond the corridor still go to the exact coverage

Interval = tuple[float, float]


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
    corridor (plus `_SLACK_M`, far above rounding) cover nothing and are dropped. The pairs
    and their distances come from one compiled pass (`kernels_route.near_pairs`) doing
    `near_pairs` and `pair_distances`' operations (`row_distances_numpy`).
    """
    same = row[1:] == row[:-1]
    a, b, owner = xy[:-1][same], xy[1:][same], row[:-1][same]
    p0, d = path.segments
    ri, sj, apart = kernels_route.near_pairs(
        np.ascontiguousarray(p0, dtype=np.float64), np.ascontiguousarray(d, dtype=np.float64),
        np.ascontiguousarray(a, dtype=np.float64), np.ascontiguousarray(b, dtype=np.float64),
        float(corridor_m),
    )  # fmt: skip
    pairs = Pairs(ri, a[sj], b[sj], owner[sj])
    distance = np.full(rows, np.inf)
    np.minimum.at(distance, pairs.row, apart)
    return distance, pairs.take(apart <= corridor_m + _SLACK_M)


def row_distances_numpy(
    path: MetricPath, xy: np.ndarray, row: np.ndarray, rows: int, corridor_m: float
) -> tuple[np.ndarray, Pairs]:
    """The numpy reference of `row_distances` (tests check the two agree exactly)."""
    pairs = near_pairs(path, xy, row, corridor_m)
    apart = pair_distances(path, pairs)
    distance = np.full(rows, np.inf)
    np.minimum.at(distance, pairs.row, apart)
    return distance, pairs.take(apart <= corridor_m + _SLACK_M)
