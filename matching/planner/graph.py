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
Lengths are geodesic (WGS84); the KD-trees in a local metric frame only find candidates, and
the frame's error bound (`_frame_error`) only spares measuring candidates that cannot rank.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from matching import geo, rules
from matching.planner.requests import PlanRequest, PlanSettings

_CANDIDATE_SLACK = 2  # extra metric neighbours fetched before ranking by geodesic length
TRENCH = -1
_TRUSTED_FRAME_ERROR = 1e-2  # a larger (or NaN) bound: measure every candidate


class PlanLine(NamedTuple):
    """An eligible line asset as the planner sees it (coords: (n, 2) lon/lat).

    A NamedTuple, not a frozen dataclass: a plan builds thousands, and the dataclass's
    per-field `object.__setattr__` was a tenth of a 5 km plan's time.
    """

    asset_id: int
    owner_id: int
    owner_name: str
    owner_sector: str
    kind: str
    sensitivity: str
    ref: str | Callable[[], str]  # owner_ref, or how to read it (most lines never need it)
    coords: np.ndarray

    @property
    def owner_ref(self) -> str:
        return self.ref if isinstance(self.ref, str) else self.ref()


@dataclass(frozen=True)
class Graph:
    """Nodes (lon/lat) and edges; `line`/`seg` say which asset segment an edge is (or TRENCH)."""

    nodes: np.ndarray  # (N, 2) lon/lat
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    cost: np.ndarray
    line: np.ndarray
    seg: np.ndarray
    lines: tuple[PlanLine, ...]
    modes: tuple[str, ...]
    build_per_m: float


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


def _frame(request: PlanRequest) -> geo.LocalFrame:
    """The request's metric frame, centred between its ends the short way round: across the
    antimeridian too (the plain mean of 179.99 and -179.99 is the far side of the globe)."""
    half = float(geo.wrap_lon_delta(request.end.x - request.start.x)) / 2
    return geo.local_frame(request.start.x + half, (request.start.y + request.end.y) / 2)


def _metric(request: PlanRequest, lonlat: np.ndarray) -> np.ndarray:
    frame = _frame(request)
    x, y = frame.to_metric(lonlat[:, 0], lonlat[:, 1])
    return np.column_stack([x, y])


def _frame_error(request: PlanRequest, lonlat: np.ndarray, xy: np.ndarray) -> float:
    """A bound on |metric / geodesic - 1| for distances among these points in `_metric`'s frame.

    The frame is a Transverse Mercator (`geo.LocalFrame`): its scale is 1 + x²/2R² + O(x⁴)
    at x metres from the central meridian, R ≥ 6 335 km (the least radius of curvature);
    twice that first-order term, plus 1e-6 for the rest, bounds it with room to spare
    (checked against `Geod.inv` up to 280 km from the meridian). Only where every point is
    within 10° of longitude of the central meridian (else, near a pole, an infinite bound).
    """
    frame = _frame(request)
    if not len(lonlat) or np.abs(geo.wrap_lon_delta(lonlat[:, 0] - frame.lon0)).max() > 10:
        return np.inf
    x_max = float(np.abs(xy[:, 0]).max())
    return (x_max / 6.3e6) ** 2 + 1e-6 if np.isfinite(x_max) else np.inf


def _snap(vertices: np.ndarray, xy: np.ndarray, snap_m: float) -> np.ndarray:
    """Node number (from 2) of each vertex: clusters within snap_m, numbered by first vertex."""
    n = len(vertices)
    pairs = cKDTree(xy).query_pairs(snap_m * 1.01 + 0.01, output_type="ndarray")
    pairs = pairs[pair_lengths(vertices[pairs[:, 0]], vertices[pairs[:, 1]]) <= snap_m]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    first = np.full(label.max(initial=-1) + 1, n)
    np.minimum.at(first, label, np.arange(n))
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[label] + 2


def _nearest(points, xy, targets, target_ids, k, radius_m, skip_self: bool, slack: float):
    """((i, j) pairs, their geodesic lengths): each point's k nearest targets within radius_m
    (geodesic; ties by id). `slack`: a bound on |metric / geodesic - 1| in this frame."""
    if not len(targets[0]) or not len(points) or k < 1:
        return np.empty((0, 2), dtype=np.int64), np.empty(0)
    trusted, n_targets, tree = slack < _TRUSTED_FRAME_ERROR, len(targets[0]), cKDTree(targets[1])
    fetch = min(k + _CANDIDATE_SLACK + int(skip_self), n_targets)
    bound = radius_m * 1.01 + 1
    while True:  # until no point's next (unfetched) candidate could still rank
        metric, found = tree.query(xy, k=fetch, distance_upper_bound=bound)
        found, metric = found.reshape(len(points), fetch), metric.reshape(len(points), fetch)
        if not trusted or fetch == n_targets:
            break
        kth = np.partition(np.where(found == np.arange(len(points))[:, None], np.inf, metric)
                           if skip_self else metric, k - 1, axis=1)[:, k - 1]  # fmt: skip
        reach = np.minimum(radius_m, kth * (1 + slack) + 1e-3)
        if not np.any(metric[:, -1] * (1 - slack) - 1e-3 <= reach):
            break  # a metric tie (within the frame's error) past the fetched ones: fetch more
        fetch = min(2 * fetch, n_targets)
    i = np.repeat(np.arange(len(points))[:, None], fetch, axis=1)
    ok = found < n_targets
    if skip_self:
        ok &= i != found
    # Only candidates that can still rank are measured geodesically: one whose metric length
    # exceeds the radius, or the k-th shortest metric length among the point's candidates, by
    # more than the frame's error (relative `slack`, plus 1 mm) is strictly longer than k
    # others, or out of reach. The choice is the same as measuring them all.
    if trusted:  # else (NaN too: a frame on the far side of the globe) all
        metric = np.where(ok, metric, np.inf)
        kth = np.full(len(i), np.inf)
        if fetch >= k:
            kth = np.partition(metric, k - 1, axis=1)[:, k - 1]
        reach = np.minimum(radius_m, kth * (1 + slack) + 1e-3)
        ok &= metric * (1 - slack) - 1e-3 <= reach[:, None]
    length = np.full(found.shape, np.inf)
    a, b = i[ok], found[ok]
    if skip_self:  # points are the targets: measure each unordered pair once (inv is symmetric)
        n = len(points)
        key, back = np.unique(np.minimum(a, b) * n + np.maximum(a, b), return_inverse=True)
        length[ok] = pair_lengths(points[key // n], points[key % n])[back]
    else:
        length[ok] = pair_lengths(points[a], targets[0][b])
    length[length > radius_m] = np.inf
    ids = np.where(np.isfinite(length), target_ids[np.minimum(found, len(targets[0]) - 1)], -1)
    # Each point's few candidates sorted in place by (length, id): many tiny sorts, not one
    # big one over every pair.
    order = np.lexsort((ids, length), axis=-1)[:, :k]
    best = np.take_along_axis(length, order, axis=1)
    chosen = np.take_along_axis(ids, order, axis=1)
    keep = np.isfinite(best)
    return np.column_stack([i[:, :k][keep], chosen[keep]]), best[keep]


def build_graph(
    request: PlanRequest, lines: list[PlanLine], costs: rules.Costs, settings: PlanSettings
) -> Graph:
    """The graph for these lines (sorted by asset id) between the request's two ends."""
    lines = sorted(lines, key=lambda line: line.asset_id)
    ends = np.array([[request.start.x, request.start.y], [request.end.x, request.end.y]])
    counts = np.array([len(line.coords) for line in lines], dtype=np.int64)
    vertices = np.concatenate([line.coords for line in lines]) if lines else np.empty((0, 2))
    node_of = np.zeros(0, dtype=np.int64)
    if lines:
        node_of = _snap(vertices, _metric(request, vertices), settings.snap_m)
    n_nodes = 2 + (int(node_of.max()) - 1 if len(node_of) else 0)
    first = np.full(n_nodes, len(vertices))
    np.minimum.at(first, node_of, np.arange(len(vertices)))
    nodes = np.concatenate([ends, vertices[first[2:]]])
    line_of = np.repeat(np.arange(len(lines)), counts)
    same = line_of[1:] == line_of[:-1] if len(lines) else np.zeros(0, dtype=bool)
    a = np.flatnonzero(same)
    a = a[node_of[a] != node_of[a + 1]]
    starts = np.concatenate([[0], np.cumsum(counts)])[:-1]
    resource, mode_of = request.resource, {}
    for ln in lines:  # a few distinct (kind, sector) pairs among thousands of lines
        key = (ln.kind, ln.owner_sector)
        if key not in mode_of:
            mode_of[key] = str(rules.sharing_mode(ln.kind, resource, ln.owner_sector))
    modes = tuple(mode_of[(ln.kind, ln.owner_sector)] for ln in lines)
    reuse_len = pair_lengths(vertices[a], vertices[a + 1])
    rate_of = {m: costs.share_cost_per_m(m) for m in mode_of.values()}
    rate = np.array([rate_of[m] for m in modes] or [0.0])[line_of[a]]
    trench, trench_len = _trench_pairs(request, nodes, settings)
    build = costs.route_build_per_m({request.resource})
    return Graph(
        nodes=nodes,
        u=np.concatenate([node_of[a], trench[:, 0]]),
        v=np.concatenate([node_of[a + 1], trench[:, 1]]),
        length=np.concatenate([reuse_len, trench_len]),
        cost=np.concatenate([reuse_len * rate, trench_len * build]),
        line=np.concatenate([line_of[a], np.full(len(trench), TRENCH)]),
        seg=np.concatenate([a - starts[line_of[a]], np.full(len(trench), TRENCH)]),
        lines=tuple(lines),
        modes=modes,
        build_per_m=build,
    )


def _trench_pairs(
    request: PlanRequest, nodes: np.ndarray, s: PlanSettings
) -> tuple[np.ndarray, np.ndarray]:
    """Undirected (lo, hi) node pairs joined by new trench, each once, sorted; their lengths
    (the geodesic lengths the neighbour ranking already measured, not measured again)."""
    xy = _metric(request, nodes)
    asset_ids = np.arange(2, len(nodes))
    targets = (nodes[2:], xy[2:])
    slack = _frame_error(request, nodes, xy)
    among, among_len = _nearest(nodes[2:], xy[2:], targets, asset_ids, s.trench_neighbours,
                                s.trench_radius_m, True, slack)  # fmt: skip
    among[:, 0] += 2
    ends, ends_len = _nearest(nodes[:2], xy[:2], targets, asset_ids, s.end_neighbours,
                              s.trench_radius_m, False, slack)  # fmt: skip
    pairs = np.concatenate([among, ends, [[0, 1]]]).astype(np.int64)
    lengths = np.concatenate([among_len, ends_len, pair_lengths(nodes[:1], nodes[1:2])])
    lo, hi = pairs.min(axis=1), pairs.max(axis=1)
    # One int64 per pair: far cheaper than axis=0. A pair found from both ends has the same
    # geodesic length either way (to rounding); the first is kept.
    key, first = np.unique(lo * len(nodes) + hi, return_index=True)
    return np.column_stack([key // len(nodes), key % len(nodes)]), lengths[first]
