"""A naive planner: the graph rules of `planner.graph`, written out with no index, no KD-tree,
no scipy: every record is looked at, every node pair measured with `Geod.inv`, and the
cheapest path found with a textbook heap Dijkstra over all (parallel) edges; barrier
crossings are shapely intersections in a tangent plane of its own. Slow on purpose; it checks
the planner and shares none of its code.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString

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


def _tangent_plane(lon: float, lat: float):
    """lon/lat -> metres east and north in the plane touching the ellipsoid at (lon, lat), by
    straight projection of geocentric coordinates (so chords stay straight)."""
    to_xyz = Transformer.from_crs("EPSG:4326", "EPSG:4978", always_xy=True)
    lam, phi = np.radians(lon), np.radians(lat)
    east = np.array([-np.sin(lam), np.cos(lam), 0.0])
    north = np.array([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])

    def plane(points):
        x, y, z = to_xyz.transform(*np.asarray(points, dtype=float).T, np.zeros(len(points)))
        xyz = np.column_stack([x, y, z])
        return np.column_stack([xyz @ east, xyz @ north])

    return plane


def _crossing_cost(a, b, barriers, plane, costs) -> float:
    """What the barriers crossed by the straight trench a-b cost: each point where it meets a
    barrier line, by shapely, in the tangent plane."""
    trench = LineString(plane([a, b]))
    total = 0.0
    for kind, line in barriers:
        met = trench.intersection(line)
        points = [g for g in shapely.get_parts(met) if g.geom_type == "Point"]
        total += len(points) * costs.crossing_cost(kind)
    return total


def _trench(points, positions, settings) -> set[tuple[int, int]]:
    trench = {(0, 1)}
    for i in range(2, len(points)):
        for j in _nearest(points[i], positions, 2, settings.trench_neighbours,
                          settings.trench_radius_m, i):  # fmt: skip
            trench.add((min(i, j), max(i, j)))
    for i in (0, 1):
        for j in _nearest(points[i], positions, 2, settings.end_neighbours,
                          settings.trench_radius_m, -1):  # fmt: skip
            trench.add((i, j))
    return trench


def oracle_plan_cost(
    records: Iterable[AssetRecord], request, costs, settings, barriers=()
) -> float:
    """The least cost from `from` to `to` under the planner's graph rules; `barriers` are
    (kind, lon/lat vertices) that new trench pays to cross."""
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
    trench = _trench(points, positions, settings)
    build = costs.route_build_per_m({request.resource})
    crossing = {pair: 0.0 for pair in trench}
    if barriers:
        mid = _GEOD.npts(*ends[0], *ends[1], 1)[0]
        plane = _tangent_plane(*mid)
        lines = [(kind, LineString(plane(coords))) for kind, coords in barriers]
        for i, j in trench:
            crossing[i, j] = _crossing_cost(points[i], points[j], lines, plane, costs)
    edges += [(i, j, _metres(points[i], points[j]) * build + crossing[i, j]) for i, j in trench]
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
