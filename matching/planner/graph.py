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
from matching.planner import apart, frame, grid, segments, trench
from matching.planner.lines import PlanLine, PlanLines  # noqa: F401 - PlanLine: re-exported
from matching.planner.nearest import (
    TRUSTED_FRAME_ERROR,
    lower_bound,
    nearest,
    pair_lengths,
    upper_bound,
)
from matching.planner.pairs import distinct, sure_pairs
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
    fixed: np.ndarray | None = None  # cost per edge beside its length's (barrier crossings)
    crossed: np.ndarray | None = None  # (E, barrier kinds) crossings (`planner.crossings`)

    def ends(self, edges: np.ndarray) -> np.ndarray:
        """(E, 4): lon/lat of these edges' two ends, as their lengths are measured (a reuse
        edge from its segment's first vertex, a trench edge from its lower node)."""
        out = np.empty((len(edges), 4))
        reuse = self.line[edges] != TRENCH
        on, off = edges[reuse], edges[~reuse]
        first = self.lines.offsets[self.line[on]] + self.seg[on]
        out[reuse, :2], out[reuse, 2:] = self.lines.values[first], self.lines.values[first + 1]
        out[~reuse, :2], out[~reuse, 2:] = self.nodes[self.u[off]], self.nodes[self.v[off]]
        return out

    def measure(self, edges: np.ndarray) -> None:
        """Geodesic lengths and costs for these edges (indices), where not yet exact."""
        edges = np.asarray(edges, dtype=np.int64)
        edges = edges[~self.exact[edges]]
        if len(edges):
            ends = self.ends(edges)
            self.length[edges] = pair_lengths(ends[:, :2], ends[:, 2:])
            self.cost[edges] = edge_costs(self.length[edges], self.rate[edges])
            if self.fixed is not None:  # barrier crossings: a fixed cost, not per metre
                self.cost[edges] += self.fixed[edges]
            self.exact[edges] = True

    def measured(self) -> Graph:
        """This graph with every edge exact (what an external solver must be given)."""
        self.measure(np.arange(len(self.u)))
        return self


def edge_costs(length: np.ndarray, rate: np.ndarray) -> np.ndarray:
    """What edges cost from their lengths and prices per metre: the one place an edge's cost
    is set, when the graph is built and when a lower-bound length is measured (a reuse edge:
    `share_per_m` of its sharing mode; new trench: `Costs.route_build_per_m` of the need).
    A new-trench edge's barrier crossings are a fixed cost beside it (`crossings.charged`)."""
    return length * rate


def _metric(request: PlanRequest, lonlat: np.ndarray) -> np.ndarray:
    """Metric coordinates of these lon/lat points: ECEF, whose chords bound geodesic lengths
    (`frame`); the same wherever the request lies."""
    return frame.ecef(lonlat)


def _frame_error(request: PlanRequest, lonlat: np.ndarray, xy: np.ndarray) -> float:
    """A bound on |metric / geodesic - 1| for distances among these points (`frame.slack`)."""
    return frame.slack(xy)


def _snap(vertices, xy: np.ndarray, snap_m: float, slack: float, plane=None) -> np.ndarray:
    """Node number (from 2) of each vertex: clusters within snap_m, numbered by first vertex
    (`plane`: the points' `frame.framed` plane, ends first; it only places them in slices)."""
    if slack < _TRUSTED_FRAME_ERROR:
        flat = frame.plane(xy) if plane is None else plane[2:]
        pairs, metric = grid.close_pairs(xy, flat, snap_m * 1.01 + 0.01)
        # only pairs the frame cannot decide are measured
        unsure = (upper_bound(metric, slack) > snap_m) & (lower_bound(metric, slack) <= snap_m)
        keep = upper_bound(metric, slack) <= snap_m
    else:
        pairs = cKDTree(xy).query_pairs(snap_m * 1.01 + 0.01, output_type="ndarray")
        unsure = np.ones(len(pairs), dtype=bool)
        keep = np.zeros(len(pairs), dtype=bool)
    if unsure.any():
        found = pair_lengths(vertices[pairs[unsure, 0]], vertices[pairs[unsure, 1]])
        keep[unsure] = found <= snap_m
    return grid.clusters(len(vertices), pairs[keep].astype(np.int64)) + 2


_MODE_TABLES: dict[tuple[str, int], tuple] = {}  # (resource, id(costs)) -> (costs, table)


def _mode_table(resource: str, costs: rules.Costs) -> tuple[np.ndarray, np.ndarray]:
    """Sharing mode and price per metre of every (kind, sector) code pair, for a need (kinds
    that cannot host it: None; no eligible line has one). Cached per cost table: a deployment
    has one, and `Costs` (a dict inside) cannot be a cache key."""
    found = _MODE_TABLES.get((resource, id(costs)))
    if found is not None and found[0] is costs:
        return found[1]
    names = [
        str(rules.sharing_mode(kind, resource, sector))
        if (kind, resource) in rules.RULES_BY_KEY else None
        for kind in rules.KINDS for sector in rules.SECTORS
    ]  # fmt: skip
    rates = [0.0 if m is None else costs.share_cost_per_m(m) for m in names]
    table = np.array(names, dtype=object), np.array(rates)
    if len(_MODE_TABLES) > 64:
        _MODE_TABLES.clear()
    _MODE_TABLES[(resource, id(costs))] = (costs, table)
    return table


def _modes(request: PlanRequest, lines: PlanLines, costs: rules.Costs):
    """Each line's sharing mode for the need, and its cost per metre."""
    names, rates = _mode_table(request.resource, costs)
    pair = lines.kind.astype(np.int64) * len(rules.SECTORS) + lines.sector
    return names[pair], rates[pair]


def _lengths(vertices: np.ndarray, a: np.ndarray, metric: np.ndarray, slack: float):
    """(lengths, exact) of the segments from vertices[a] to the next: lower bounds from the
    frame where it is trusted, else geodesic."""
    if slack < _TRUSTED_FRAME_ERROR:
        return lower_bound(metric, slack), np.zeros(len(a), dtype=bool)
    return pair_lengths(vertices[a], vertices[a + 1]), np.ones(len(a), dtype=bool)


def build_graph(
    request: PlanRequest,
    lines: PlanLines,
    costs: rules.Costs,
    settings: PlanSettings,
    pruned: bool = False,
) -> Graph:
    """The graph for these lines (sorted by asset id) between the request's two ends.

    `pruned`: when no path but the straight trench can join the ends (`apart`), the only
    trench edge is the straight one: the same cheapest path and alternatives (none), without
    finding every node's trench neighbours. `measured()` graphs (pgRouting) are never pruned.
    """
    ends = np.array([[request.start.x, request.start.y], [request.end.x, request.end.y]])
    vertices = lines.values
    if lines.xyz is None:
        points = np.concatenate([ends, vertices])
        xy, plane = _metric(request, points), None
        slack = _frame_error(request, points, xy)  # one bound for every distance among them
    else:  # the pull's vertices (`pull._ecef`: the same numbers), one plane for the grids
        xy, extent, plane = frame.framed(ends, lines.xyz)
        slack = frame.slack_of(extent)
    node_of = np.zeros(0, dtype=np.int64)
    if len(lines):
        node_of = _snap(vertices, xy[2:], settings.snap_m, slack, plane)
    offsets = np.asarray(lines.offsets, dtype=np.int64)
    first, a, line_a, seg_a, step = segments.reuse(node_of, offsets, xy)
    if plane is None:
        keep = np.concatenate(([0, 1], first + 2))
        nodes, node_xy, node_plane = points[keep], xy[keep], None
    else:
        nodes, node_xy, node_plane = segments.nodes_at(ends, vertices, xy, plane, first)
    modes, line_rate = _modes(request, lines, costs)
    reuse_len, reuse_exact = _lengths(vertices, a, step, slack)
    if pruned and _apart(node_xy, node_plane, node_of, a, settings, slack):
        lo, hi = np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64)
        trench_len, trench_exact = np.array([request.span_m]), np.ones(1, dtype=bool)
    else:  # the straight trench's length is the request's span: the same `Geod.inv` of the ends
        lo, hi, trench_len, trench_exact = _trench_pairs(
            nodes, node_xy, settings, slack, node_plane, request.span_m
        )
    build = costs.route_build_per_m({request.resource})
    u, v, line, seg, rates = segments.joined(node_of, a, line_a, seg_a, line_rate, lo, hi, build)
    length = np.concatenate([reuse_len, trench_len])
    return Graph(
        nodes=nodes,
        u=u,
        v=v,
        length=length,
        cost=edge_costs(length, rates),
        line=line,
        seg=seg,
        lines=lines,
        modes=modes,
        build_per_m=build,
        rate=rates,
        exact=np.concatenate([reuse_exact, trench_exact]),
    )


def _apart(node_xy, node_plane, node_of, a, s: PlanSettings, slack: float) -> bool:
    """Whether the ends are shown joined by nothing but their straight trench."""
    if node_plane is None or not slack < _TRUSTED_FRAME_ERROR:
        return False
    radius = s.trench_radius_m
    # the reads it may spend, then gives up: on bench plans it still finds 97 % of the cuts
    # of 5 km plans (all of 20 km ones) and pays ~0.17 ms of a median 8 ms where it gives
    # up; 10 % of a small graph's (a 1 km plan's ~160 nodes): its whole build is cheap too
    n = len(node_xy)
    budget = min(96 + n // 100, 8 + n // 10)
    return apart.apart(node_xy, node_plane, node_of[a], node_of[a + 1], s.trench_neighbours,
                       s.end_neighbours, radius, radius * 1.01 + 1, slack, budget)  # fmt: skip


def _trench_pairs(
    nodes: np.ndarray, xy: np.ndarray, s: PlanSettings, slack: float, plane=None, straight=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(lo, hi) node pairs joined by new trench, each once, sorted; their lengths and which
    are exact (the rest are lower bounds). The straight trench is measured: its cost bounds
    the search."""
    if straight is None:
        straight = float(pair_lengths(nodes[:1], nodes[1:2])[0])
    if not slack < _TRUSTED_FRAME_ERROR:
        return _trench_pairs_measured(nodes, xy, s, straight)
    radius = s.trench_radius_m
    k, k_end = s.trench_neighbours, s.end_neighbours
    flat = frame.plane(xy) if plane is None else plane  # a plane only places nodes in cells
    start, target, metric, status = trench.candidates(
        xy, flat, k, k_end, radius, radius * 1.01 + 1, slack
    )
    unsure = np.flatnonzero(status == grid.UNSURE)
    if not len(unsure):  # every candidate chosen, no length measured (nearly every plan)
        lo, hi, length = sure_pairs(start, target, metric, slack, straight)
        exact = np.zeros(len(lo), dtype=bool)
        exact[0] = True  # the straight trench
        return lo, hi, length, exact
    measured = np.empty(0)
    if len(unsure):  # lengths the frame cannot decide: measured, each pair from its lower node
        node = np.searchsorted(start, unsure, side="right") - 1  # each entry's node
        lo, hi = np.minimum(node, target[unsure]), np.maximum(node, target[unsure])
        measured = np.full(len(target), np.inf)
        measured[unsure] = pair_lengths(nodes[lo], nodes[hi])
        measured[measured > radius] = np.inf
    return trench.chosen_pairs(start, target, metric, status, measured, k, k_end, slack, straight)


def _trench_pairs_measured(nodes: np.ndarray, xy: np.ndarray, s: PlanSettings, straight: float):
    """`_trench_pairs` where the frame gives no bound: the KD-tree's candidates, all measured."""
    asset_ids = np.arange(2, len(nodes))
    targets = (nodes[2:], xy[2:])
    radius = s.trench_radius_m
    among, among_len, among_exact = nearest(
        nodes[2:], xy[2:], targets, asset_ids, s.trench_neighbours, radius, True, np.inf
    )
    among[:, 0] += 2
    ends, ends_len, ends_exact = nearest(
        nodes[:2], xy[:2], targets, asset_ids, s.end_neighbours, radius, False, np.inf
    )
    pairs = np.concatenate([among, ends, [[0, 1]]]).astype(np.int64)
    lengths = np.concatenate([among_len, ends_len, [straight]])
    exact = np.concatenate([among_exact, ends_exact, [True]])
    lo, hi = np.minimum(pairs[:, 0], pairs[:, 1]), np.maximum(pairs[:, 0], pairs[:, 1])
    first = distinct(lo, hi, exact, len(nodes))
    return lo[first], hi[first], lengths[first], exact[first]
