"""Coverage by linear referencing: the stretch of a route each candidate line runs along.

Every point of a candidate within `corridor_m` of the route maps to its nearest route point;
the candidate covers the union of the images of its in-corridor pieces, so it never covers
more than its own length and a line crossing the route covers (almost) nothing. The join
between the route and the candidate at each end of a covered stretch is a lateral.

Exact in the route's metric frame, no sampling. Along one candidate segment p(t) = a + t·u the
squared distance to one route segment is piecewise quadratic in t (nearest to its start
vertex, to its interior, to its end vertex). Between consecutive breakpoints (where a piece
changes, where a distance crosses the corridor, where two route segments' quadratics are
equal) the nearest route segment and its piece are fixed, so the image of the sub-interval
is the interval between the images of its ends: the projection is a clamped linear function
of t there. A candidate segment is examined with every route segment that comes within the
corridor of it (`corridor.row_distances` keeps exactly those pairs); a route segment that is
never within the corridor can never be the nearest one inside it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from matching import kernels_route
from matching.corridor import EPS_M, Interval, Pairs
from matching.path import MetricPath

MIN_COVER_M = 0.01  # covered stretches shorter than this (a line crossing the route) drop out
_TINY_T = 1e-12


class Coverage:
    """Per candidate row: merged covered intervals, the lateral at each end, and the pieces.

    `pieces` rows are (row, lo_m, hi_m, pair, t_lo, t_hi, m_at_t_lo, m_at_t_hi) so that the
    lateral at any covered measure can be found exactly (`lateral_at`).
    """

    def __init__(self, rows: int, pieces: np.ndarray, geometry: _PairGeometry | None) -> None:
        self.pieces, self.geometry = pieces, geometry
        self.intervals: list[list[Interval]] = [[] for _ in range(rows)]
        self.laterals: list[list[tuple[float, float]]] = [[] for _ in range(rows)]
        # `intervals` as `coverage.flat` gives them: (first, (n, 2) ends), row k's stretches
        # at first[k]:first[k + 1] (the report reads them without rebuilding the arrays).
        self.flat = (np.zeros(rows + 1, dtype=np.int64), np.empty((0, 2)))
        # The pieces grouped by row (stable, so each row's keep their order), with the first
        # piece of each row: `laterals_at` looks only at the asked rows' pieces.
        order = np.argsort(pieces[:, 0], kind="stable")
        self._sorted = pieces[order]
        self._first = np.searchsorted(self._sorted[:, 0], np.arange(rows + 1), side="left")

    def lateral_at(self, row: int, measure: float) -> float:
        """Shortest join (metres) from the route point at `measure` to the row's line.

        The scalar reference of `laterals_at`."""
        best = np.inf
        pieces = self._sorted[self._first[row] : self._first[row + 1]].tolist()
        for _, lo, hi, pair, t0, t1, m0, m1 in pieces:
            if not lo - EPS_M <= measure <= hi + EPS_M:
                continue
            if abs(m1 - m0) <= EPS_M:
                best = min(best, self.geometry.shortest(int(pair), t0, t1))
                continue
            t = t0 + (measure - m0) / (m1 - m0) * (t1 - t0)
            t = min(max(t, min(t0, t1)), max(t0, t1))
            best = min(best, self.geometry.distance(int(pair), t))
        # A measure outside every piece (only asked for by mistake) must not become Infinity
        # in a JSON report.
        return best if np.isfinite(best) else 0.0

    def laterals_at(self, rows: list[int], measures: list[float]) -> list[float]:
        """`lateral_at` for many (row, measure) at once: the compiled look-up gives each
        candidate join's two legs, CPython's `math.hypot` (as in `lateral_at`) their length."""
        if self.geometry is None:  # no pieces at all
            return [0.0] * len(rows)
        xs, ys, owner = kernels_route.lateral_legs(
            self._sorted, self._first, self.geometry.proj,
            np.asarray(rows, dtype=np.int64), np.asarray(measures, dtype=np.float64), EPS_M,
        )  # fmt: skip
        best = np.full(len(rows), np.inf)
        np.minimum.at(best, owner, np.array(list(map(math.hypot, xs.tolist(), ys.tolist()))))
        return [b if math.isfinite(b) else 0.0 for b in best.tolist()]


class _PairGeometry:
    """Scalar look-ups on the pairs' projections, for the few laterals a report needs."""

    def __init__(self, path: MetricPath, pairs: Pairs) -> None:
        alpha, beta, w, u, dr = _projection(path, pairs, np.arange(len(pairs.row)))
        self.proj = np.column_stack([alpha, beta, w, u, dr])
        self._list: list | None = None

    @classmethod
    def of(cls, proj: np.ndarray) -> _PairGeometry:
        """From `kernels_route.projection`'s (alpha, beta, w, u, dr) rows."""
        geometry = cls.__new__(cls)
        geometry.proj, geometry._list = proj, None
        return geometry

    @property
    def _rows(self) -> list:
        if self._list is None:
            self._list = self.proj.tolist()
        return self._list

    def distance(self, pair: int, t: float) -> float:
        alpha, beta, wx, wy, ux, uy, dx, dy = self._rows[pair]
        tau = min(max(alpha + beta * t, 0.0), 1.0)
        return math.hypot(wx + t * ux - tau * dx, wy + t * uy - tau * dy)

    def shortest(self, pair: int, t0: float, t1: float) -> float:
        """Least distance over [t0, t1] where the image is one route point (a clamped piece)."""
        alpha, beta, wx, wy, ux, uy, dx, dy = self._rows[pair]
        tau = min(max(alpha + beta * (t0 + t1) / 2, 0.0), 1.0)
        gx, gy = wx - tau * dx, wy - tau * dy  # p(0) minus the fixed route point
        uu = ux * ux + uy * uy
        t_star = -(gx * ux + gy * uy) / uu if uu > 0 else t0
        t_star = min(max(t_star, min(t0, t1)), max(t0, t1))
        return min(self.distance(pair, t) for t in (t0, t1, t_star))


def _projection(path: MetricPath, pairs: Pairs, idx: np.ndarray):
    """(alpha, beta) per pair: the route-segment parameter of p(t) is clamp(alpha + beta·t)."""
    p0, d = path.segments
    dr, w = d[pairs.segment[idx]], pairs.a[idx] - p0[pairs.segment[idx]]
    u = pairs.b[idx] - pairs.a[idx]
    ee = (dr * dr).sum(axis=1)
    safe = np.where(ee > 0, ee, 1.0)
    alpha = np.where(ee > 0, (w * dr).sum(axis=1) / safe, 0.0)
    beta = np.where(ee > 0, (u * dr).sum(axis=1) / safe, 0.0)
    return alpha, beta, w, u, dr


def _dist2(path: MetricPath, pairs: Pairs, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Squared distance from p(t) on each pair's candidate segment to its route segment."""
    alpha, beta, w, u, dr = _projection(path, pairs, idx)
    tau = np.clip(alpha + beta * t, 0.0, 1.0)
    gap = w + t[:, None] * u - tau[:, None] * dr
    return (gap * gap).sum(axis=1)


def _measure(path: MetricPath, pairs: Pairs, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    alpha, beta, *_ = _projection(path, pairs, idx)
    return path.measure(pairs.segment[idx], np.clip(alpha + beta * t, 0.0, 1.0))


def _quadratics(path: MetricPath, pairs: Pairs):
    """A, B, C of |p(t) - nearest|² per piece (start vertex, interior, end vertex): (3, n)."""
    alpha, beta, w, u, dr = _projection(path, pairs, np.arange(len(pairs.row)))
    g0 = np.stack([w, w - alpha[:, None] * dr, w - dr])
    g1 = np.stack([u, u - beta[:, None] * dr, u])
    return (g1 * g1).sum(-1), 2 * (g0 * g1).sum(-1), (g0 * g0).sum(-1), alpha, beta


def _roots(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> list[np.ndarray]:
    """Real roots of a·t² + b·t + c (nan where there is none), stable form."""
    disc = b * b - 4 * a * c
    with np.errstate(divide="ignore", invalid="ignore"):
        q = -0.5 * (b + np.copysign(np.sqrt(disc), b))
        quad = np.where(disc >= 0, q / a, np.nan), np.where(disc >= 0, c / q, np.nan)
        linear = np.where(b != 0, -c / b, np.nan)
    flat = a == 0
    return [np.where(flat, linear, quad[0]), np.where(flat, np.nan, quad[1])]


def _groups(pairs: Pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sort order of the pairs by candidate segment, group of each sorted pair, group starts."""
    a, b = pairs.a, pairs.b
    order = np.lexsort((b[:, 1], b[:, 0], a[:, 1], a[:, 0], pairs.row))
    a, b, row = a[order], b[order], pairs.row[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (row[1:] != row[:-1]) | (a[1:] != a[:-1]).any(1) | (b[1:] != b[:-1]).any(1)
    return order, np.cumsum(new) - 1, np.flatnonzero(new)


def _members(group_of: np.ndarray, starts: np.ndarray, sizes: np.ndarray):
    """For items in groups, (item, pair) for every pair of the item's group."""
    counts = sizes[group_of]
    item = np.repeat(np.arange(len(group_of)), counts)
    local = np.arange(len(item)) - np.repeat(np.cumsum(counts) - counts, counts)
    return item, starts[group_of][item] + local


class _Sorted:
    """The pairs sorted by candidate segment, with the route they are measured on."""

    def __init__(self, path: MetricPath, pairs: Pairs) -> None:
        order, self.group, self.starts = _groups(pairs)
        self.sizes = np.diff(np.append(self.starts, len(order)))
        self.path, self.pairs = path, pairs.take(order)


def _breakpoints(s: _Sorted, corridor_m: float):
    """(group, t) of every place where the nearest route segment or the corridor may change."""
    a2, b2, c2, alpha, beta = _quadratics(s.path, s.pairs)
    group, starts, sizes = s.group, s.starts, s.sizes
    found_g, found_t = [np.arange(len(starts))] * 2, [np.zeros(len(starts)), np.ones(len(starts))]
    with np.errstate(divide="ignore", invalid="ignore"):
        for edge in (0.0, 1.0):  # where a piece changes
            found_g.append(group)
            found_t.append(np.where(beta != 0, (edge - alpha) / beta, np.nan))
    for root in _roots(a2, b2, c2 - corridor_m**2):  # where a distance crosses the corridor
        found_g.append(np.tile(group, 3))
        found_t.append(root.ravel())
    i, j = _members(group, starts, sizes)
    i, j = i[i < j], j[i < j]
    # Where two route segments are equally near: every piece of one against every piece of
    # the other, all nine combinations in one call.
    k, m = np.repeat(np.arange(3), 3), np.tile(np.arange(3), 3)
    diff = [q[k][:, i] - q[m][:, j] for q in (a2, b2, c2)]
    for root in _roots(*diff):
        found_g.append(np.tile(group[i], 9))
        found_t.append(root.ravel())
    g, t = np.concatenate(found_g), np.concatenate(found_t)
    keep = (t >= 0.0) & (t <= 1.0)
    g, t = g[keep], t[keep]
    order = np.lexsort((t, g))
    return g[order], t[order]


def linear_coverage(path: MetricPath, pairs: Pairs, rows: int, corridor_m: float) -> Coverage:
    """Coverage of each candidate row from the (route segment, candidate segment) pairs.

    The breakpoints, the nearest pair between them and the end laterals run in one compiled
    kernel (`kernels_route.pieces`) doing `linear_coverage_numpy`'s operations in its order.
    """
    if not len(pairs.row):
        return Coverage(rows, np.empty((0, 8)), None)
    s = _Sorted(path, pairs)
    p0, d = path.segments
    proj = kernels_route.projection(
        np.ascontiguousarray(s.pairs.segment, dtype=np.int64),
        np.ascontiguousarray(s.pairs.a, dtype=np.float64),
        np.ascontiguousarray(s.pairs.b, dtype=np.float64),
        np.ascontiguousarray(p0), np.ascontiguousarray(d),
    )  # fmt: skip
    pieces, laterals = kernels_route.pieces(
        proj,
        np.ascontiguousarray(s.pairs.row, dtype=np.int64),
        np.ascontiguousarray(s.pairs.segment, dtype=np.int64),
        s.starts.astype(np.int64), s.sizes.astype(np.int64),
        path.start_m, path.seg_m, corridor_m**2, _TINY_T, EPS_M,
    )  # fmt: skip
    coverage = Coverage(rows, pieces, _PairGeometry.of(proj))
    _merge(coverage, laterals)
    return coverage


def linear_coverage_numpy(path: MetricPath, pairs: Pairs, rows: int, corridor_m: float) -> Coverage:
    """The numpy reference of `linear_coverage` (tests check the two agree exactly)."""
    if not len(pairs.row):
        return Coverage(rows, np.empty((0, 8)), None)
    s = _Sorted(path, pairs)
    g, t = _breakpoints(s, corridor_m)
    sub = (g[1:] == g[:-1]) & (t[1:] - t[:-1] > _TINY_T)
    sg, t0, t1 = g[:-1][sub], t[:-1][sub], t[1:][sub]
    item, pair = _members(sg, s.starts, s.sizes)
    d2 = _dist2(path, s.pairs, pair, ((t0 + t1) / 2)[item])
    order = np.lexsort((pair, d2, item))
    first = order[np.r_[0, np.flatnonzero(np.diff(item[order])) + 1]]
    inside = d2[first] <= corridor_m**2
    best, t0, t1 = pair[first][inside], t0[inside], t1[inside]
    m0, m1 = _measure(path, s.pairs, best, t0), _measure(path, s.pairs, best, t1)
    pieces = np.column_stack(
        [s.pairs.row[best], np.minimum(m0, m1), np.maximum(m0, m1), best, t0, t1, m0, m1]
    )
    coverage = Coverage(rows, pieces, _PairGeometry(path, s.pairs))
    _merge(coverage, _end_laterals(path, s.pairs, best, (t0, t1, m0, m1)))
    return coverage


def _end_laterals(path, pairs, best, ends) -> np.ndarray:
    """Per piece, the lateral (metres) at its low and its high measure."""
    t0, t1, m0, m1 = ends
    d0 = np.sqrt(_dist2(path, pairs, best, t0))
    d1 = np.sqrt(_dist2(path, pairs, best, t1))
    low = np.where(m0 <= m1, d0, d1)
    high = np.where(m0 <= m1, d1, d0)
    point = np.abs(m1 - m0) <= EPS_M  # one route point: the shortest join over the piece
    if point.any():
        low[point] = high[point] = _shortest(path, pairs, best[point], t0[point], t1[point])
    return np.column_stack([low, high])


def _shortest(path, pairs, idx, t0, t1) -> np.ndarray:
    """`_PairGeometry.shortest` for many pieces at once."""
    alpha, beta, w, u, dr = _projection(path, pairs, idx)
    tau = np.clip(alpha + beta * (t0 + t1) / 2, 0.0, 1.0)
    g = w - tau[:, None] * dr
    uu = (u * u).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.where(uu > 0, -(g * u).sum(axis=1) / uu, t0)
    t_star = np.clip(t_star, np.minimum(t0, t1), np.maximum(t0, t1))
    best = np.minimum(_dist2(path, pairs, idx, t0), _dist2(path, pairs, idx, t1))
    return np.sqrt(np.minimum(best, _dist2(path, pairs, idx, t_star)))


def _merge(coverage: Coverage, laterals: np.ndarray) -> None:
    """Merge each row's pieces; a merged end's lateral is the shortest join reaching it."""
    p = coverage.pieces
    order = np.lexsort((p[:, 2], p[:, 1], p[:, 0]))
    rows, merged = kernels_route.merge_pieces(
        p[order, 0].astype(np.int64),
        p[order, 1], p[order, 2], laterals[order, 0], laterals[order, 1],
        EPS_M,
    )  # fmt: skip
    keep = merged[:, 1] - merged[:, 0] >= MIN_COVER_M
    rows, merged = rows[keep], merged[keep]
    # Merged stretches come out by row: each row's are one slice (no append per stretch).
    spans = list(zip(merged[:, 0].tolist(), merged[:, 1].tolist(), strict=True))
    joins = list(zip(merged[:, 2].tolist(), merged[:, 3].tolist(), strict=True))
    first = np.searchsorted(rows, np.arange(len(coverage.intervals) + 1)).astype(np.int64)
    coverage.flat = (first, np.ascontiguousarray(merged[:, :2]))
    edges = first.tolist()
    coverage.intervals = [spans[a:b] for a, b in itertools.pairwise(edges)]
    coverage.laterals = [joins[a:b] for a, b in itertools.pairwise(edges)]
