"""Plan a route from A to B: pull the lines near the ellipse from the index, build, search.

The graph holds the eligible lines with at least one vertex inside the ellipse with foci
`from` and `to` whose points are at most `max_detour` × the straight distance from the two
together (geodesic); the R-tree answers the circle around that ellipse, then the vertices
are checked. Eligible: in service, a kind that can host the need with the free units
(`RowFilter`), of a kind the constraints allow, neither owner nor asset excluded.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np

from matching import geo, rules
from matching.candidates import RowFilter, Rows
from matching.planner import crossings, search
from matching.planner.graph import (
    _TRUSTED_FRAME_ERROR,
    _frame_error,
    _metric,
    build_graph,
)
from matching.planner.legs import PlanOption, explanation, legs_of
from matching.planner.lines import PlanLines
from matching.planner.requests import PlanRequest, PlanSettings
from matching.ragged import Ragged, RaggedView
from matching.reports import metres

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanReport:
    """The planned route and its alternatives, stamped with the registry seq."""

    registry_seq: int
    request: dict
    best: PlanOption
    alternatives: tuple[PlanOption, ...]
    baseline_cost: float
    span_m: float
    currency: str
    graph_size: tuple[int, int]  # nodes, edges: what the search ran on

    def to_dict(self) -> dict:
        best = self.best.to_dict(self.baseline_cost)
        return {
            "registry_seq": self.registry_seq,
            "request": self.request,
            **best,
            "baseline": {"cost": metres(self.baseline_cost), "new_trench_m": metres(self.span_m)},
            "alternatives": [alt.to_dict(self.baseline_cost) for alt in self.alternatives],
            "explanation": explanation(self.best, self.baseline_cost, self.span_m, self.currency),
            "currency": self.currency,
        }


def in_ellipse(request: PlanRequest, lonlat: np.ndarray) -> np.ndarray:
    """Per vertex: is the sum of its geodesic distances to the two ends within the budget?

    The sums are first taken in the planner's metric (`frame`): a vertex whose metric sum is
    inside (or outside) the budget by more than the frame's error bound is decided by it,
    only the few near the ellipse's edge are measured geodesically. Same answer, almost no
    `Geod.inv` calls.
    """
    budget = request.max_detour * request.span_m
    ends = np.array([[request.start.x, request.start.y], [request.end.x, request.end.y]])
    xy = _metric(request, np.concatenate([ends, lonlat]))
    slack = _frame_error(request, np.concatenate([ends, lonlat]), xy)
    if not slack < _TRUSTED_FRAME_ERROR:
        return _geodesic_sums(request, lonlat) <= budget
    rest = xy[2:]
    metric = np.linalg.norm(rest - xy[0], axis=1) + np.linalg.norm(rest - xy[1], axis=1)
    inside = metric * (1 + slack) + 2e-3 < budget  # each distance within slack·d + 1 mm
    unsure = ~inside & (metric * (1 - slack) - 2e-3 <= budget)
    if unsure.any():
        inside[unsure] = _geodesic_sums(request, lonlat[unsure]) <= budget
    return inside


def _geodesic_sums(request: PlanRequest, lonlat: np.ndarray) -> np.ndarray:
    to_start = geo.geodesic_distances(request.start.x, request.start.y, lonlat[:, 0], lonlat[:, 1])
    to_end = geo.geodesic_distances(request.end.x, request.end.y, lonlat[:, 0], lonlat[:, 1])
    return to_start + to_end


def _in_ellipse_rows(request: PlanRequest, table, slots: np.ndarray, owners):
    """(rows, packed vertices) of the lines at `slots` with a vertex in the ellipse (under the
    index's read lock: copies what it keeps)."""
    coords = RaggedView.of(table.coords, slots).packed()
    values = np.asarray(coords.values, dtype=np.float64)
    inside = np.zeros(len(slots), dtype=bool)
    if len(values):
        hits = np.concatenate([[0], np.cumsum(in_ellipse(request, values))])
        inside = hits[coords.offsets[1:]] > hits[coords.offsets[:-1]]
    return table.rows(slots[inside], owners), coords.take(np.flatnonzero(inside))


def lines_near(index, request: PlanRequest) -> tuple[int, PlanLines]:
    """(seq, the eligible lines with a vertex in the request's ellipse) from an AssetIndex.

    The ellipse test runs on the R-tree's box hits directly: a vertex in the ellipse is in
    the circle around it, so the exact line-to-centre distances `within_radius` would
    measure first (shapely, ~a third of a plan's time) decide nothing.
    """
    c = request.constraints
    lon, lat, _ = geo.GEOD.fwd(request.start.x, request.start.y,
                               geo.GEOD.inv(request.start.x, request.start.y,
                                            request.end.x, request.end.y)[0],
                               request.span_m / 2)  # fmt: skip
    radius = request.max_detour * request.span_m / 2 + 1.0
    seq, parts = index.scan_radius(
        lon, lat, radius, RowFilter.for_needs(request.needs, c.kinds),
        partial(_in_ellipse_rows, request), points=False,
    )  # fmt: skip
    parts = [(rows, coords) for rows, coords in parts if len(rows)]
    if not parts:
        return seq, PlanLines.empty()
    rows = Rows.concat([r for r, _ in parts])
    coords = Ragged.concat([k for _, k in parts]) if len(parts) > 1 else parts[0][1]
    keep = ~np.isin(rows.asset_id, list(c.exclude_asset_ids))
    keep &= ~np.isin(rows.owner_id, list(c.exclude_owner_ids))
    order = np.flatnonzero(keep)
    order = order[np.argsort(rows.asset_id[order], kind="stable")]
    coords = coords.take(order)
    return seq, PlanLines(rows, order, coords.offsets, coords.values)


def plan_lines(
    request: PlanRequest,
    seq: int,
    lines: PlanLines,
    costs: rules.Costs = rules.DEFAULT_COSTS,
    settings: PlanSettings = PlanSettings(),  # noqa: B008 - frozen, never mutated
    barriers: crossings.Barriers | None = None,
) -> PlanReport:
    """Plan over these lines (already filtered to the ellipse and the constraints); new trench
    pays for each barrier it crosses."""
    graph = crossings.charged(build_graph(request, lines, costs, settings), barriers, costs)
    paths = search.plans(graph, request.alternatives, settings.alternative_penalty)
    options = [PlanOption(search.path_cost(graph, p), legs_of(graph, p)) for p in paths]
    return PlanReport(
        registry_seq=seq,
        request=request.to_dict(),
        best=options[0],
        alternatives=tuple(options[1:]),
        baseline_cost=request.span_m * graph.build_per_m + crossings.straight_cost(graph),
        span_m=request.span_m,
        currency=costs.currency,
        graph_size=(len(graph.nodes), len(graph.u)),
    )


def plan_route(
    index,
    request: PlanRequest,
    costs: rules.Costs = rules.DEFAULT_COSTS,
    settings: PlanSettings = PlanSettings(),  # noqa: B008 - frozen, never mutated
    barriers: crossings.Barriers | None = None,
) -> PlanReport:
    """Answer a plan request from an `AssetIndex` (and the barriers new trench must cross);
    the report is stamped with its seq."""
    seq, lines = lines_near(index, request)
    return plan_lines(request, seq, lines, costs, settings, barriers)
