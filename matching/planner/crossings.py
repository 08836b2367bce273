"""Barrier crossings of new trench: the rail lines and major roads each straight new-route
edge crosses, counted exactly in the planner's metric plane, and what they cost.

A crossing is where an edge's straight segment passes from one side of a barrier line to the
other. Both are taken as straight segments between their vertices in a plane facing the plan
(`frame.plane` of the earth-centred coordinates, a linear projection, so chords stay
straight). A node exactly on a barrier's line counts as if moved an infinitesimal step in one
fixed direction (simulation of simplicity): so a trench running along a road crosses nothing,
and a path that steps onto a barrier at a manhole and off on the other side crosses it once,
whichever way it is walked. A line crossed twice counts twice.

Why a compiled grid: a 5 km plan has ~10 000 trench edges and, in a town, ~2 000 barrier
segments near it; testing every pair costs ~20 ms, a grid of cells holding the segments that
touch them tests each edge against the few segments of its own cells.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit

from matching import rules
from matching.planner import frame

_PAD_DEG = 1e-3  # the box pull's margin: a degree box is not the metric plane's box
_POLAR_LAT = 80.0  # nearer the poles (or across the antimeridian) every barrier is tested


@dataclass(frozen=True)
class Barriers:
    """Barrier lines as columns (kind code into `rules.BARRIER_KINDS`, lon/lat vertices) and
    their segments, earth-centred once here rather than in every plan."""

    kind: np.ndarray  # (L,) int64
    offsets: np.ndarray  # (L + 1,) into values
    values: np.ndarray  # (V, 2) lon/lat
    tree: shapely.STRtree | None  # over the lines' boxes
    xyz: np.ndarray  # (V, 3) earth-centred vertices (`frame.ecef`)
    seg_kind: np.ndarray  # (V,) kind of the segment from each vertex (a line's last: unused)
    reach: np.ndarray  # (V,) that segment's length in metres

    @classmethod
    def of(cls, kinds: Sequence[str], lines: Sequence[np.ndarray]) -> Barriers:
        """Barriers from kind names and (n >= 2, 2) lon/lat vertex arrays."""
        if not len(lines):
            return cls.empty()
        codes = np.array([rules.BARRIER_KINDS.index(k) for k in kinds], dtype=np.int64)
        counts = np.array([len(line) for line in lines], dtype=np.int64)
        values = np.concatenate([np.asarray(line, dtype=np.float64)[:, :2] for line in lines])
        offsets = np.concatenate([[0], np.cumsum(counts)])
        line_of = np.repeat(np.arange(len(lines)), counts)
        lo = np.full((len(lines), 2), np.inf)
        hi = np.full((len(lines), 2), -np.inf)
        np.minimum.at(lo, line_of, values)
        np.maximum.at(hi, line_of, values)
        tree = shapely.STRtree(shapely.box(lo[:, 0], lo[:, 1], hi[:, 0], hi[:, 1]))
        xyz = frame.ecef(values)
        reach = np.r_[np.linalg.norm(np.diff(xyz, axis=0), axis=1), 0.0]
        return cls(codes, offsets, values, tree, xyz, codes[line_of], reach)

    @classmethod
    def empty(cls) -> Barriers:
        none = np.zeros(0, np.int64)
        return cls(none, np.zeros(1, np.int64), np.zeros((0, 2)), None, np.zeros((0, 3)), none,
                   np.zeros(0))  # fmt: skip

    def __len__(self) -> int:
        return len(self.kind)

    def segments_near(self, lonlat: np.ndarray) -> np.ndarray:
        """First vertices of the barrier segments that may cross an edge among these points."""
        lines = np.arange(len(self))
        lo, hi = lonlat.min(axis=0), lonlat.max(axis=0)
        if hi[0] - lo[0] < 180 and max(abs(lo[1]), abs(hi[1])) < _POLAR_LAT:
            # a long edge bows off its ends' degree box (~0.002° over 100 km at 47°N)
            pad = _PAD_DEG + 0.01 * (hi - lo).max()
            box = shapely.box(*(lo - pad), *(hi + pad))
            lines = np.sort(self.tree.query(box))
        starts, n = self.offsets[lines], self.offsets[lines + 1] - self.offsets[lines] - 1
        return np.arange(n.sum()) + np.repeat(starts - (np.cumsum(n) - n), n)


def count(a: np.ndarray, b: np.ndarray, barriers: Barriers | None) -> np.ndarray:
    """(E, kinds) crossings of each straight edge a[i]-b[i] (lon/lat) with the barriers."""
    e = np.arange(len(a))
    return count_edges(np.concatenate([a, b]), e, e + len(a), barriers)


def count_edges(nodes: np.ndarray, u: np.ndarray, v: np.ndarray, barriers: Barriers | None):
    """(E, kinds) crossings of each straight edge between nodes u[i] and v[i] (lon/lat)."""
    out = np.zeros((len(u), len(rules.BARRIER_KINDS)), dtype=np.int64)
    if barriers is None or not len(barriers) or not len(u):
        return out
    seg = barriers.segments_near(nodes)
    node_xyz = frame.ecef(nodes)
    centre = node_xyz.mean(axis=0)
    reach = np.sqrt(((node_xyz - centre) ** 2).sum(axis=1).max())
    # a segment crossing an edge has a point within `reach` of the centre (the ball holds
    # every edge); only these are projected, so nothing folds over from the far side
    near = np.linalg.norm(barriers.xyz[seg] - centre, axis=1)
    seg = seg[near <= reach + barriers.reach[seg] + 1.0]
    if not len(seg):
        return out
    xy = frame.plane(np.concatenate([node_xyz, barriers.xyz[seg], barriers.xyz[seg + 1]]))
    n, k = len(nodes), len(seg)
    # one direction per edge (from its lon/lat-smaller end): float rounding of a near-tie
    # then decides the same whichever way the edge is given
    a, b = nodes[u], nodes[v]
    flip = (a[:, 0] > b[:, 0]) | ((a[:, 0] == b[:, 0]) & (a[:, 1] > b[:, 1]))
    first, second = np.where(flip, v, u), np.where(flip, u, v)
    _count(xy[first], xy[second], xy[n : n + k], xy[n + k :], barriers.seg_kind[seg], out)
    return out


# Ties (a node exactly on a barrier's line, a barrier vertex exactly on an edge's line) are
# decided as if every node were moved an infinitesimal step along _D (then _D2): simulation
# of simplicity, so every decision is that of one nearby generic configuration.
_D = (0.6, 0.8)
_D2 = (-0.8, 0.6)


@njit(cache=True, nogil=True)
def _left(ox, oy, ex, ey, px, py, moved):  # pragma: no cover - compiled
    """Is p left of the line through o along e? On it: as if the nodes had moved along _D
    (then _D2); `moved` is 1 when p is a node, -1 when the line runs between two nodes."""
    side = ex * (py - oy) - ey * (px - ox)
    if side == 0.0:
        side = moved * (ex * _D[1] - ey * _D[0])
    if side == 0.0:
        side = moved * (ex * _D2[1] - ey * _D2[0])
    return side > 0.0


@njit(cache=True, nogil=True)
def _crosses(ax, ay, bx, by, px, py, qx, qy):  # pragma: no cover - compiled
    """Does the edge a-b (between nodes) cross the barrier segment p-q?"""
    dx, dy = bx - ax, by - ay
    if _left(ax, ay, dx, dy, px, py, -1.0) == _left(ax, ay, dx, dy, qx, qy, -1.0):
        return False
    ex, ey = qx - px, qy - py
    return _left(px, py, ex, ey, ax, ay, 1.0) != _left(px, py, ex, ey, bx, by, 1.0)


@njit(cache=True, nogil=True)
def _grid(p, q):  # pragma: no cover - compiled
    """Cells over the segments p-q (counting sort): (x0, y0, size, nx, ny, first of each
    cell in items, the segments of each cell, one per cell their box touches)."""
    x0, y0 = min(p[:, 0].min(), q[:, 0].min()), min(p[:, 1].min(), q[:, 1].min())
    hi_x, hi_y = max(p[:, 0].max(), q[:, 0].max()), max(p[:, 1].max(), q[:, 1].max())
    size = max(250.0, (hi_x - x0) / 512, (hi_y - y0) / 512)  # at most 512 x 512 cells
    nx, ny = int((hi_x - x0) / size) + 1, int((hi_y - y0) / size) + 1
    box = np.empty((len(p), 4), dtype=np.int64)  # each segment's cell range
    filled = np.zeros(nx * ny + 1, dtype=np.int64)
    for i in range(len(p)):
        box[i, 0] = int((min(p[i, 0], q[i, 0]) - x0) / size)
        box[i, 1] = int((max(p[i, 0], q[i, 0]) - x0) / size)
        box[i, 2] = int((min(p[i, 1], q[i, 1]) - y0) / size)
        box[i, 3] = int((max(p[i, 1], q[i, 1]) - y0) / size)
        for cx in range(box[i, 0], box[i, 1] + 1):
            for cy in range(box[i, 2], box[i, 3] + 1):
                filled[cx * ny + cy + 1] += 1
    for c in range(nx * ny):
        filled[c + 1] += filled[c]
    first = filled.copy()
    items = np.empty(filled[-1], dtype=np.int64)
    for i in range(len(p)):
        for cx in range(box[i, 0], box[i, 1] + 1):
            for cy in range(box[i, 2], box[i, 3] + 1):
                items[filled[cx * ny + cy]] = i
                filled[cx * ny + cy] += 1
    return x0, y0, size, nx, ny, first, items


@njit(cache=True, nogil=True)
def _count(a, b, p, q, kind, out):  # pragma: no cover - compiled
    """Add to out[e, kind] each segment p-q that edge a-b crosses, through a grid of cells."""
    x0, y0, size, nx, ny, first, items = _grid(p, q)
    seen = np.full(len(p), -1, dtype=np.int64)  # a segment in several cells: tested once
    for e in range(len(a)):
        cx0 = max(0, int((min(a[e, 0], b[e, 0]) - x0) // size))
        cx1 = min(nx - 1, int((max(a[e, 0], b[e, 0]) - x0) // size))
        cy0 = max(0, int((min(a[e, 1], b[e, 1]) - y0) // size))
        cy1 = min(ny - 1, int((max(a[e, 1], b[e, 1]) - y0) // size))
        for cx in range(cx0, cx1 + 1):
            for cy in range(cy0, cy1 + 1):
                for k in range(first[cx * ny + cy], first[cx * ny + cy + 1]):
                    i = items[k]
                    if seen[i] != e:
                        seen[i] = e
                        if _crosses(a[e, 0], a[e, 1], b[e, 0], b[e, 1],
                                    p[i, 0], p[i, 1], q[i, 0], q[i, 1]):  # fmt: skip
                            out[e, kind[i]] += 1


def charged(graph, barriers: Barriers | None, costs: rules.Costs):
    """The graph with each new-trench edge's crossings counted and their cost added.

    Without barriers the graph is returned as it is. A crossing's cost is fixed (not per
    metre), so `Graph.measure` keeps it when it replaces an edge's length bound.
    """
    if barriers is None or not len(barriers):
        return graph
    trench = np.flatnonzero(graph.line < 0)
    counts = np.zeros((len(graph.u), len(rules.BARRIER_KINDS)), dtype=np.int64)
    counts[trench] = count_edges(graph.nodes, graph.u[trench], graph.v[trench], barriers)
    prices = np.array([costs.crossing_cost(k) for k in rules.BARRIER_KINDS])
    fixed = counts @ prices
    return dataclasses.replace(graph, cost=graph.cost + fixed, fixed=fixed, crossed=counts)


def straight_cost(graph) -> float:
    """The crossings' cost of the straight `from`-`to` trench (part of the baseline)."""
    if graph.fixed is None:
        return 0.0
    return float(graph.fixed[(graph.u == 0) & (graph.v == 1)].min())


def describe(graph, run) -> dict | None:
    """{"count", "kinds"} crossed by a run of trench edges; None when no barriers were given."""
    if graph.crossed is None:
        return None
    total = graph.crossed[[e for e, _ in run]].sum(axis=0)
    kinds = {str(k): int(n) for k, n in zip(rules.BARRIER_KINDS, total, strict=True) if n}
    return {"count": int(total.sum()), "kinds": kinds}


_NAMES = {"rail": ("rail line", "rail lines"), "major_road": ("major road", "major roads")}


def sentence(legs: list[dict]) -> str:
    """' Its new trench crosses 1 rail line and 2 major roads.' ('' when it crosses none)."""
    total: dict[str, int] = {}
    for leg in legs:
        for kind, n in leg.get("crossings", {}).get("kinds", {}).items():
            total[kind] = total.get(kind, 0) + n
    if not total:
        return ""
    parts = [f"{n} {_NAMES[k][n != 1]}" for k, n in sorted(total.items(), reverse=True)]
    return f" Its new trench crosses {' and '.join(parts)} (priced per crossing)."
