"""A naive planner: the graph rules of `planner.graph`, written out with no index, no KD-tree,
no scipy: every record is looked at, every node pair measured with `Geod.inv`, and the
cheapest path found with a textbook heap Dijkstra over all (parallel) edges. Slow on purpose;
it checks the planner and shares none of its code.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from pyproj import Geod

from matching import rules
from matching.oracle_route import eligible
from matching.records import AssetRecord

_GEOD = Geod(ellps="WGS84")


def _metres(a, b) -> float:
    return _GEOD.inv(a[0], a[1], b[0], b[1])[2]


def _wanted(record: AssetRecord, request) -> bool:
    c = request.constraints
    if record.kind not in rules.LINE_KINDS or not eligible(record, request.needs, c.kinds, None):
        return False
    if record.id in c.exclude_asset_ids or record.owner_id in c.exclude_owner_ids:
        return False
    start, end = (request.start.x, request.start.y), (request.end.x, request.end.y)
    budget = request.max_detour * _metres(start, end)
    return any(_metres(start, v) + _metres(v, end) <= budget for v in record.geometry.coords)


def _nodes(records, snap_m: float):
    """(vertex list, node of each vertex, node positions) with transitive snapping."""
    vertices = [(r, k, tuple(v[:2])) for r in records for k, v in enumerate(r.geometry.coords)]
    parent = list(range(len(vertices)))

    def root(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(vertices)):
        for j in range(i + 1, len(vertices)):
            if _metres(vertices[i][2], vertices[j][2]) <= snap_m:
                a, b = root(i), root(j)
                parent[max(a, b)] = min(a, b)  # the root is the cluster's first vertex
    roots = sorted({root(i) for i in range(len(vertices))})
    number = {r: 2 + k for k, r in enumerate(roots)}
    node_of = [number[root(i)] for i in range(len(vertices))]
    positions = [vertices[r][2] for r in roots]
    return vertices, node_of, positions


def _nearest(origin, positions, first_id, k, radius, skip):
    found = []
    for j, p in enumerate(positions):
        if first_id + j == skip:
            continue
        d = _metres(origin, p)
        if d <= radius:
            found.append((d, first_id + j))
    return [j for _, j in sorted(found)[:k]]


def oracle_plan_cost(records: Iterable[AssetRecord], request, costs, settings) -> float:
    """The least cost from `from` to `to` under the planner's graph rules."""
    records = sorted((r for r in records if _wanted(r, request)), key=lambda r: r.id)
    vertices, node_of, positions = _nodes(records, settings.snap_m)
    ends = [(request.start.x, request.start.y), (request.end.x, request.end.y)]
    points = ends + positions
    edges: list[tuple[int, int, float]] = []
    for i in range(len(vertices) - 1):
        (r, _, a), (r2, _, b) = vertices[i], vertices[i + 1]
        if r is r2 and node_of[i] != node_of[i + 1]:
            mode = rules.sharing_mode(r.kind, request.resource, r.owner_sector)
            edges.append((node_of[i], node_of[i + 1], _metres(a, b) * costs.share_cost_per_m(mode)))
    trench = {(0, 1)}
    for i in range(2, len(points)):
        for j in _nearest(points[i], positions, 2, settings.trench_neighbours,
                          settings.trench_radius_m, i):  # fmt: skip
            trench.add((min(i, j), max(i, j)))
    for i in (0, 1):
        for j in _nearest(points[i], positions, 2, settings.end_neighbours,
                          settings.trench_radius_m, -1):  # fmt: skip
            trench.add((i, j))
    build = costs.route_build_per_m({request.resource})
    edges += [(i, j, _metres(points[i], points[j]) * build) for i, j in trench]
    return _dijkstra(len(points), edges)


def _dijkstra(n: int, edges) -> float:
    adjacent: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, w in edges:
        adjacent[a].append((b, w))
        adjacent[b].append((a, w))
    best = [float("inf")] * n
    best[0] = 0.0
    heap = [(0.0, 0)]
    while heap:
        d, a = heapq.heappop(heap)
        if a == 1:
            return d
        if d > best[a]:
            continue
        for b, w in adjacent[a]:
            if d + w < best[b]:
                best[b] = d + w
                heapq.heappush(heap, (d + w, b))
    return float("inf")
