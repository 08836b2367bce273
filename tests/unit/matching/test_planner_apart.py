"""A plan graph pruned to the straight trench only where nothing else joins the two ends."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, rules
from matching.planner import PlanRequest, PlanSettings, search
from matching.planner.graph import build_graph
from matching.planner.legs import legs_of
from matching.planner.plan import lines_near
from tests.unit.matching.factories import offset, random_lines

ORIGIN = (8.55, 47.37)


def _graphs(records, request, graph_settings):
    _, lines = lines_near(AssetIndex(MemorySource(records)), request)
    full = build_graph(request, lines, rules.DEFAULT_COSTS, graph_settings)
    pruned = build_graph(request, lines, rules.DEFAULT_COSTS, graph_settings, pruned=True)
    return full, pruned


def _joined_only_by_the_straight_trench(graph) -> bool:
    keep = ~((graph.u == 0) & (graph.v == 1))
    n = len(graph.nodes)
    matrix = coo_matrix((np.ones(keep.sum()), (graph.u[keep], graph.v[keep])), shape=(n, n))
    _, label = connected_components(matrix, directed=False)
    return label[0] != label[1]


def _answers(graph, request, graph_settings):
    paths = search.plans(graph, request.alternatives, graph_settings.alternative_penalty)
    return [(search.path_cost(graph, p), legs_of(graph, p)) for p in paths]


def _case(rng, spread, end_sd):
    """Random lines; `from` near one of their vertices, `to` near them or far beyond."""
    records = random_lines(rng, ORIGIN, int(rng.integers(1, 40)), spread)
    vertices = [v for r in records for v in r.geometry.coords]
    start = offset(*vertices[int(rng.integers(len(vertices)))], *rng.normal(0, 40, 2))
    end = offset(*ORIGIN, *rng.normal(0, end_sd, 2))
    return records, start, end


@st.composite
def plans(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    records, start, end = _case(rng, float(rng.choice([200.0, 600.0])),
                                float(rng.choice([300.0, 1_500.0])))  # fmt: skip
    request = PlanRequest(
        start=Point(start),
        end=Point(end),
        needs={str(rng.choice(["subduct", "fiber_core", "attachment"])): 1},
        max_detour=float(rng.choice([1.2, 2.0, 3.0])),
        alternatives=int(rng.integers(0, 3)),
    )
    graph_settings = PlanSettings(
        snap_m=float(rng.choice([2.0, 30.0])),
        trench_radius_m=float(rng.choice([80.0, 250.0, 600.0])),
        trench_neighbours=int(rng.integers(0, 9)),
        end_neighbours=int(rng.integers(0, 17)),
    )
    return records, request, graph_settings


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(plans())
def test_a_pruned_graph_answers_as_the_whole_graph(case):
    """Pruned only when the whole graph has no other path between the ends; otherwise the
    same graph; the same paths, costs and legs (alternatives too) either way."""
    records, request, graph_settings = case
    full, pruned = _graphs(records, request, graph_settings)
    if len(pruned.u) < len(full.u):
        assert _joined_only_by_the_straight_trench(full)
        trench = pruned.line == -1
        assert trench.sum() == 1 and pruned.u[trench][0] == 0 and pruned.v[trench][0] == 1
        np.testing.assert_array_equal(pruned.nodes, full.nodes)
    else:
        for column in ("u", "v", "line", "seg", "length", "cost", "exact"):
            np.testing.assert_array_equal(getattr(pruned, column), getattr(full, column))
    assert _answers(pruned, request, graph_settings) == _answers(full, request, graph_settings)


def test_pruning_happens_when_to_is_cut_off_and_not_when_it_is_joined():
    """Over fixed seeds both outcomes occur, each as the whole graph says."""
    outcomes = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        records, start, end = _case(rng, 300.0, 1_200.0)
        request = PlanRequest(start=Point(start), end=Point(end), needs={"subduct": 1})
        full, pruned = _graphs(records, request, PlanSettings())
        cut = _joined_only_by_the_straight_trench(full)
        was_pruned = len(pruned.u) < len(full.u)
        assert not was_pruned or cut
        outcomes.add((cut, was_pruned))
    assert (True, True) in outcomes and (False, False) in outcomes


def test_an_end_far_from_every_line_takes_the_straight_trench_from_a_pruned_graph():
    rng = np.random.default_rng(5)
    records = random_lines(rng, ORIGIN, 30, 300.0)
    far = Point(offset(*ORIGIN, 2_500.0, 0.0))
    request = PlanRequest(start=Point(ORIGIN), end=far, needs={"subduct": 1})
    full, pruned = _graphs(records, request, PlanSettings())
    assert (pruned.line == -1).sum() == 1 < (full.line == -1).sum()
    (cost, legs), = _answers(pruned, request, PlanSettings())  # fmt: skip
    assert [leg["type"] for leg in legs] == ["new_trench"]
    assert cost == request.span_m * pruned.build_per_m
