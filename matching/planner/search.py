"""Cheapest paths on the planning graph: Dijkstra (scipy.sparse.csgraph) and alternatives.

Why scipy and not networkx: the graph is built per request from edge arrays. Measured on
plan graphs of the benchmark registry (thread time, 100 k points + 100 k lines; 5 and 20 km
spans, ~240 and ~2 800 nodes): building networkx's MultiGraph alone takes 6-43 ms, while
the CSR matrix plus csgraph's compiled Dijkstra take 0.7-2.6 ms. (networkx's search by
itself is faster, 0.1 ms, because it stops at the target; csgraph has no target, so the
straight trench's cost is its `limit`.) `bench/planner_bench.py` repeats the comparison.
Parallel edges (two owners' ducts in one street)
are kept in `Graph`; for the search only the cheapest of each node pair matters, and the
path remembers which one it was. The all-new straight trench from `from` to `to` is an edge,
so its cost bounds the search (`limit`): nothing dearer is ever settled.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from matching.planner.graph import TRENCH, Graph

_FLOOR = 1e-9  # csgraph reads an explicit 0 as "no edge"; a free edge costs this instead


def cheapest(graph: Graph, weights: np.ndarray, limit: float) -> list[tuple[int, bool]] | None:
    """The cheapest path from node 0 to node 1 as [(edge, forwards)], or None."""
    n = len(graph.nodes)
    lo, hi = np.minimum(graph.u, graph.v), np.maximum(graph.u, graph.v)
    pair = lo * n + hi
    order = np.lexsort((weights, pair))  # stable: of equal weights the lower edge comes first
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]]
    matrix = csr_matrix((np.maximum(weights[first], _FLOOR), (lo[first], hi[first])), shape=(n, n))
    _, pred = dijkstra(matrix, directed=False, indices=0, return_predecessors=True,
                       limit=limit * (1 + 1e-9) + _FLOOR * n)  # fmt: skip
    if pred[1] < 0:
        return None
    nodes = [1]
    while nodes[-1] != 0:
        nodes.append(int(pred[nodes[-1]]))
    nodes = np.array(nodes[::-1], dtype=np.int64)
    # The chosen edge of each step: look (lo, hi) up among the deduplicated pairs.
    keys = lo[first] * n + hi[first]
    order = np.argsort(keys)
    a, b = nodes[:-1], nodes[1:]
    wanted = np.minimum(a, b) * n + np.maximum(a, b)
    edges = first[order[np.searchsorted(keys[order], wanted)]]
    return [(int(e), int(graph.u[e]) == int(x)) for e, x in zip(edges, a, strict=True)]


def path_cost(graph: Graph, path: list[tuple[int, bool]]) -> float:
    return float(sum(graph.cost[e] for e, _ in path))


def reused_assets(graph: Graph, path: list[tuple[int, bool]]) -> frozenset[int]:
    return frozenset(
        graph.lines[graph.line[e]].asset_id for e, _ in path if graph.line[e] != TRENCH
    )


def plans(graph: Graph, alternatives: int, penalty: float) -> list[list[tuple[int, bool]]]:
    """The cheapest path, then up to `alternatives` paths that reuse different assets.

    Each round makes the reused edges of the paths found so far (1 + penalty) times dearer
    and searches again, so the next path avoids them where it can; a path reusing the same
    set of assets as an earlier one is skipped.
    """
    baseline = float(graph.cost[(graph.u == 0) & (graph.v == 1)].min())
    weights = graph.cost.astype(np.float64)
    best = cheapest(graph, weights, baseline)
    if best is None:
        return []
    found, seen, last = [best], {reused_assets(graph, best)}, best
    for _ in range(2 * alternatives):
        if len(found) > alternatives:
            break
        for e, _ in last:
            if graph.line[e] != TRENCH:
                weights[e] *= 1 + penalty
        path = cheapest(graph, weights, float(weights[(graph.u == 0) & (graph.v == 1)].min()))
        if path is None:
            break
        last, assets = path, reused_assets(graph, path)
        if assets not in seen:
            seen.add(assets)
            found.append(path)
        elif not assets:
            break  # only the straight trench is left
    return found
