"""The planning graph: asset vertices as nodes, reuse edges along assets, new-trench edges.

Rules (the oracle in `planner/oracle.py` implements the same ones with no index or KD-tree):
- Nodes: `from` (0), `to` (1), then the vertices of the lines, in (asset id, vertex) order.
  Vertices within `snap_m` of each other (geodesic, transitively) are one node, placed at the
  first of them: a manhole or pole that several assets share.
- Reuse edges: one per segment of each line, so parallel assets of different owners stay
  distinct edges (a multigraph); length = the segment's geodesic length, cost = length × the
  cost table's `share_per_m` for its sharing mode.
- New trench: each asset node to its `trench_neighbours` nearest other asset nodes within
  `trench_radius_m`, `from` and `to` each to their `end_neighbours` nearest asset nodes within
  it, and `from` straight to `to`; length = geodesic distance, cost = length × what a metre of
  new route costs for the need (`Costs.route_build_per_m`). Ties rank by node number.
Lengths are geodesic (WGS84). The request's metric frame only finds candidates, and its error
bound (`_frame_error`) spares measuring what it decides alone: a neighbour certainly in or out,
a snap pair certainly within or beyond `snap_m`. An edge not yet measured holds a lower bound
of its length (`Graph.exact`); the search measures the edges of its answer (`search.cheapest`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from matching import rules
from matching.planner import frame, grid
from matching.planner.lines import PlanLine, PlanLines  # noqa: F401 - PlanLine: re-exported
from matching.planner.nearest import (
    TRUSTED_FRAME_ERROR,
    lower_bound,
    nearest,
    pair_lengths,
    upper_bound,
)
from matching.planner.pairs import distinct
from matching.planner.requests import PlanRequest, PlanSettings

TRENCH = -1
_TRUSTED_FRAME_ERROR = TRUSTED_FRAME_ERROR


@dataclass(frozen=True)
class Graph:
    """Nodes (lon/lat) and edges; `line`/`seg` say which asset segment an edge is (or TRENCH).

    An edge's length (and cost) is its geodesic one where `exact`, else a lower bound of it
    from the metric frame (`nearest`); `measure` makes edges exact, in place.
    """

    nodes: np.ndarray  # (N, 2) lon/lat
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    cost: np.ndarray
    line: np.ndarray
    seg: np.ndarray
    lines: PlanLines
    modes: np.ndarray  # sharing mode (str) of each line
    build_per_m: float
    rate: np.ndarray  # cost per metre of each edge
    exact: np.ndarray  # bool per edge
    ends: np.ndarray  # (E, 4): lon/lat of each edge's two ends, as its length is measured
    fixed: np.ndarray | None = None  # cost per edge beside its length's (barrier crossings)
    crossed: np.ndarray | None = None  # (E, barrier kinds) crossings (`planner.crossings`)

    def measure(self, edges: np.ndarray) -> None:
        """Geodesic lengths and costs for these edges (indices), where not yet exact."""
        edges = np.asarray(edges, dtype=np.int64)
        edges = edges[~self.exact[edges]]
        if len(edges):
            ends = self.ends[edges]
            self.length[edges] = pair_lengths(ends[:, :2], ends[:, 2:])
            self.cost[edges] = self.length[edges] * self.rate[edges]
            if self.fixed is not None:
                self.cost[edges] += self.fixed[edges]
            self.exact[edges] = True

    def measured(self) -> Graph:
        """This graph with every edge exact (what an external solver must be given)."""
        self.measure(np.arange(len(self.u)))
        return self


def _metric(request: PlanRequest, lonlat: np.ndarray) -> np.ndarray:
    """Metric coordinates of these lon/lat points: ECEF, whose chords bound geodesic lengths
    (`frame`); the same wherever the request lies."""
    return frame.ecef(lonlat)


def _frame_error(request: PlanRequest, lonlat: np.ndarray, xy: np.ndarray) -> float:
    """A bound on |metric / geodesic - 1| for distances among these points (`frame.slack`)."""
    return frame.slack(xy)


def _snap(vertices: np.ndarray, xy: np.ndarray, snap_m: float, slack: float) -> np.ndarray:
    """Node number (from 2) of each vertex: clusters within snap_m, numbered by first vertex."""
    if slack < _TRUSTED_FRAME_ERROR:
        pairs, metric = grid.close_pairs(xy, frame.plane(xy), snap_m * 1.01 + 0.01)
        # only pairs the frame cannot decide are measured
        unsure = (upper_bound(metric, slack) > snap_m) & (lower_bound(metric, slack) <= snap_m)
        keep = upper_bound(metric, slack) <= snap_m
    else:
        pairs = cKDTree(xy).query_pairs(snap_m * 1.01 + 0.01, output_type="ndarray")
        unsure = np.ones(len(pairs), dtype=bool)
        keep = np.zeros(len(pairs), dtype=bool)
    keep[unsure] = pair_lengths(vertices[pairs[unsure, 0]], vertices[pairs[unsure, 1]]) <= snap_m
    return grid.clusters(len(vertices), pairs[keep].astype(np.int64)) + 2


def _modes(request: PlanRequest, lines: PlanLines, costs: rules.Costs):
    """Each line's sharing mode for the need, and its cost per metre."""
    pair = lines.kind.astype(np.int64) * len(rules.SECTORS) + lines.sector
    unique, which = np.unique(pair, return_inverse=True)
    names = [  # a few distinct (kind, sector) pairs among thousands of lines
        str(rules.sharing_mode(rules.KINDS[p // len(rules.SECTORS)], request.resource,
                               rules.SECTORS[p % len(rules.SECTORS)]))
        for p in unique.tolist()
    ]  # fmt: skip
    rates = np.array([costs.share_cost_per_m(m) for m in names] or [0.0])
    return np.array(names, dtype=object)[which], rates[which] if len(which) else rates[:0]


def _lengths(p: np.ndarray, q: np.ndarray, metric: np.ndarray, slack: float):
    """(lengths, exact): lower bounds from the frame where it is trusted, else geodesic."""
    if slack < _TRUSTED_FRAME_ERROR:
        return lower_bound(metric, slack), np.zeros(len(p), dtype=bool)
    return pair_lengths(p, q), np.ones(len(p), dtype=bool)


def build_graph(
    request: PlanRequest, lines: PlanLines, costs: rules.Costs, settings: PlanSettings
) -> Graph:
    """The graph for these lines (sorted by asset id) between the request's two ends."""
    ends = np.array([[request.start.x, request.start.y], [request.end.x, request.end.y]])
    counts = np.diff(lines.offsets)
    vertices = lines.values
    points = np.concatenate([ends, vertices])
    xy = _metric(request, points)
    slack = _frame_error(request, points, xy)  # one bound for every distance among them
    node_of = np.zeros(0, dtype=np.int64)
    if len(lines):
        node_of = _snap(vertices, xy[2:], settings.snap_m, slack)
    # Nodes are numbered in the order of their first vertex (`grid.clusters`): each first
    # vertex is where a number larger than all before it appears.
    first = np.flatnonzero(np.diff(np.maximum.accumulate(np.r_[1, node_of])) > 0)
    nodes, node_xy = points[np.r_[0, 1, first + 2]], xy[np.r_[0, 1, first + 2]]
    line_of = np.repeat(np.arange(len(lines)), counts)
    same = line_of[1:] == line_of[:-1]
    a = np.flatnonzero(same)
    a = a[node_of[a] != node_of[a + 1]]
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
    modes, line_rate = _modes(request, lines, costs)
    rate = line_rate[line_of[a]]
    step = np.linalg.norm(xy[a + 3] - xy[a + 2], axis=1)
    reuse_len, reuse_exact = _lengths(vertices[a], vertices[a + 1], step, slack)
    trench, trench_len, trench_exact = _trench_pairs(nodes, node_xy, settings, slack)
    build = costs.route_build_per_m({request.resource})
    rates = np.concatenate([rate, np.full(len(trench), build)])
    length = np.concatenate([reuse_len, trench_len])
    return Graph(
        nodes=nodes,
        u=np.concatenate([node_of[a], trench[:, 0]]),
        v=np.concatenate([node_of[a + 1], trench[:, 1]]),
        length=length,
        cost=length * rates,
        line=np.concatenate([line_of[a], np.full(len(trench), TRENCH)]),
        seg=np.concatenate([a - starts[line_of[a]], np.full(len(trench), TRENCH)]),
        lines=lines,
        modes=modes,
        build_per_m=build,
        rate=rates,
        exact=np.concatenate([reuse_exact, trench_exact]),
        ends=np.concatenate([np.column_stack([vertices[a], vertices[a + 1]]),
                             np.column_stack([nodes[trench[:, 0]], nodes[trench[:, 1]]])]),
    )  # fmt: skip


def _trench_pairs(
    nodes: np.ndarray, xy: np.ndarray, s: PlanSettings, slack: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected (lo, hi) node pairs joined by new trench, each once, sorted; their lengths
    and which are exact (`nearest`: the rest are lower bounds)."""
    asset_ids = np.arange(2, len(nodes))
    targets = (nodes[2:], xy[2:])
    radius = s.trench_radius_m
    among, among_len, among_exact = nearest(
        nodes[2:], xy[2:], targets, asset_ids, s.trench_neighbours, radius, True, slack
    )
    among[:, 0] += 2
    ends, ends_len, ends_exact = nearest(
        nodes[:2], xy[:2], targets, asset_ids, s.end_neighbours, radius, False, slack
    )
    pairs = np.concatenate([among, ends, [[0, 1]]]).astype(np.int64)
    # The straight trench is measured: its cost bounds the search.
    lengths = np.concatenate([among_len, ends_len, pair_lengths(nodes[:1], nodes[1:2])])
    exact = np.concatenate([among_exact, ends_exact, [True]])
    # (np.minimum of the columns: a reduction along an axis of 2 costs several times more)
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    # A pair found from both ends keeps an exact length if it has one (either is the
    # geodesic one, to rounding).
    first = distinct(lo, hi, exact, len(nodes))
    return np.column_stack([lo[first], hi[first]]), \
        lengths[first], exact[first]  # fmt: skip
