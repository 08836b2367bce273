"""Cheapest paths on the planning graph: a compiled Dijkstra (`shortest`) and alternatives.

Why not networkx: the graph is built per request from edge arrays. Measured on plan graphs
of the benchmark registry (thread time, 100 k points + 100 k lines; 5 and 20 km spans, ~240
and ~2 800 nodes): building networkx's MultiGraph alone takes 6-43 ms. scipy's csgraph
(the search until 2026-11-29) needed a deduplicated CSR matrix per search and, having no
target, settled every node cheaper than the straight trench: 0.7-2.6 ms, against ~0.15 ms
for `shortest.cheapest_on` on the edge arrays as they are (parallel edges included; it
stops when `to` is settled). `bench/planner_bench.py` repeats the comparison.
The all-new straight trench from `from` to `to` is an edge, so its cost bounds the search
(`limit`): nothing dearer is ever settled.
"""

from __future__ import annotations

import numpy as np

from matching.planner.graph import TRENCH, Graph
from matching.planner.shortest import adjacency, cheapest_on


def cheapest(
    graph: Graph, weights: np.ndarray, limit: float, adjacent=None
) -> list[tuple[int, bool]] | None:
    """The cheapest path from node 0 to node 1 as [(edge, forwards)], or None.

    `weights` (float64, updated in place) hold lower bounds where the graph's lengths are
    not exact yet: the path's inexact edges are measured and the search repeated until the
    cheapest path is exact throughout; no other path can then be cheaper, since its weights
    only grow when measured. The bounds are within ~1 mm per edge, so one repeat is usual.
    """
    u, v = graph.u.astype(np.int64, copy=False), graph.v.astype(np.int64, copy=False)
    if adjacent is None:
        adjacent = adjacency(len(graph.nodes), u, v)
    while True:
        edges = cheapest_on(*adjacent, u, v, weights, limit * (1 + 1e-9))
        if not len(edges):
            return None
        todo = edges[~graph.exact[edges]]
        if not len(todo):
            break
        graph.measure(todo)
        weights[todo] = graph.cost[todo]  # never penalised: no earlier path used them
    path, node = [], 0
    for e in edges[::-1].tolist():
        forwards = int(u[e]) == node
        path.append((e, forwards))
        node = int(v[e]) if forwards else int(u[e])
    return path


def path_cost(graph: Graph, path: list[tuple[int, bool]]) -> float:
    return float(sum(graph.cost[e] for e, _ in path))


def reused_assets(graph: Graph, path: list[tuple[int, bool]]) -> frozenset[int]:
    return frozenset(
        int(graph.lines.asset_id[graph.line[e]]) for e, _ in path if graph.line[e] != TRENCH
    )


def plans(graph: Graph, alternatives: int, penalty: float) -> list[list[tuple[int, bool]]]:
    """The cheapest path, then up to `alternatives` paths that reuse different assets.

    Each round makes the reused edges of the paths found so far (1 + penalty) times dearer
    and searches again, so the next path avoids them where it can; a path reusing the same
    set of assets as an earlier one is skipped.
    """
    baseline = float(graph.cost[(graph.u == 0) & (graph.v == 1)].min())
    weights = graph.cost.astype(np.float64)
    u, v = graph.u.astype(np.int64, copy=False), graph.v.astype(np.int64, copy=False)
    adjacent = adjacency(len(graph.nodes), u, v)
    best = cheapest(graph, weights, baseline, adjacent)
    if best is None:
        return []
    found, seen, last = [best], {reused_assets(graph, best)}, best
    for _ in range(2 * alternatives):
        if len(found) > alternatives:
            break
        for e, _ in last:
            if graph.line[e] != TRENCH:
                weights[e] *= 1 + penalty
        limit = float(weights[(graph.u == 0) & (graph.v == 1)].min())
        path = cheapest(graph, weights, limit, adjacent)
        if path is None:
            break
        last, assets = path, reused_assets(graph, path)
        if assets not in seen:
            seen.add(assets)
            found.append(path)
        elif not assets:
            break  # only the straight trench is left
    return found
