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
from matching.candidates import RowFilter
from matching.planner import crossings, pull, search
from matching.planner.graph import build_graph
from matching.planner.legs import PlanOption, explanation, legs_of
from matching.planner.lines import LineRows, PlanLines
from matching.planner.requests import PlanRequest, PlanSettings
from matching.ragged import RaggedView
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


def _geodesic_sums(request: PlanRequest, lonlat: np.ndarray) -> np.ndarray:
    to_start = geo.geodesic_distances(request.start.x, request.start.y, lonlat[:, 0], lonlat[:, 1])
    to_end = geo.geodesic_distances(request.end.x, request.end.y, lonlat[:, 0], lonlat[:, 1])
    return to_start + to_end


def _spans(coords, slots: np.ndarray):
    """(flat lon/lat, offsets, rows) of the slots' vertices where the index keeps them:
    values[offsets[r]:offsets[r + 1]] for each r in rows; a packed copy only when some of
    these rows were rewritten after the build (overrides)."""
    view = RaggedView.of(coords, slots)
    if coords.overrides and view._overridden():
        coords = view.packed()
        rows = np.arange(len(slots), dtype=np.int64)
        return np.asarray(coords.values, dtype=np.float64), coords.offsets, rows
    return np.asarray(coords.values, dtype=np.float64), coords.offsets, slots


def _in_ellipse_rows(request: PlanRequest, table, slots: np.ndarray, owners):
    """(rows, vertex offsets, lon/lat, ECEF) of the lines at `slots` with a vertex in the
    ellipse (under the index's read lock: copies what it keeps). The metric decides almost
    every vertex (`pull.pulled`); the rest are measured (`Geod.inv`)."""
    values, offsets, rows = _spans(table.coords, slots)
    ends = np.array([[request.start.x, request.start.y], [request.end.x, request.end.y]])
    budget = request.max_detour * request.span_m
    status, offsets, lonlat, xyz, kept, unsure, line = pull.pulled(
        values, offsets, rows, ends, budget
    )
    if len(unsure):
        line_ok = status[line] == pull.UNSURE
        unsure, line = unsure[line_ok], line[line_ok]
        status[status == pull.UNSURE] = pull.OUT
        status[line[_geodesic_sums(request, values[unsure]) <= budget]] = pull.IN
        keep = status[kept] == pull.IN
        if not keep.all():  # some UNSURE lines packed by `pulled` turned out OUT
            which = np.flatnonzero(keep)
            offsets, lonlat, xyz = pull.pack(lonlat, offsets[:-1], offsets[1:], xyz, 0, which)
            kept = kept[which]
    return LineRows.of(table, slots[kept], owners), offsets, lonlat, xyz


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
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return seq, PlanLines.empty()
    rows, offsets, lonlat, xyz = parts[0] if len(parts) == 1 else _joined(parts)
    order = np.arange(len(rows))
    if c.exclude_asset_ids or c.exclude_owner_ids:
        keep = ~np.isin(rows.asset_id, list(c.exclude_asset_ids))
        keep &= ~np.isin(rows.owner_id, list(c.exclude_owner_ids))
        order = order[keep]
    ids = rows.asset_id[order]
    if len(order) != len(rows) or not pull.ascending(ids):  # else: already in id order
        order = order[np.argsort(ids, kind="stable")]
        offsets, lonlat, xyz = pull.pack(lonlat, offsets[:-1], offsets[1:], xyz, 0, order)
    return seq, PlanLines(rows, order, offsets, lonlat, xyz)


def _joined(parts):
    """One (rows, offsets, lon/lat, ECEF) from the base and the delta table's parts."""
    counts = np.concatenate([np.diff(offsets) for _, offsets, _, _ in parts])
    return (
        LineRows.concat([rows for rows, _, _, _ in parts]),
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        np.concatenate([lonlat for _, _, lonlat, _ in parts]),
        np.concatenate([xyz for _, _, _, xyz in parts]),
    )


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
    graph = build_graph(request, lines, costs, settings, pruned=True)
    graph = crossings.charged(graph, barriers, costs)
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
