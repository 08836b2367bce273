"""Route matching: which existing ducts, cables and pole routes run along a planned route.

Eligibility: an in-service line of a kind `rules.ROUTE_HOSTS` allows for every need, with
enough free units, within `corridor_m` of the route. Each candidate covers the parts of the
route within `corridor_m` of it (see `coverage`), measured geodesically from the route start.

Candidates rank by covered metres (more first), then distance, then asset id. The cover is
`coverage.greedy_cover` over all eligible candidates (fewest owners, then fewest assets, then
cheapest sharing mode). `trench_avoided_m` is what the cover runs along; `new_build_m` the
rest of the route. Verdict "share" when coverage_ratio ≥ the request's `share_threshold`
(default 0.8), else "build_new". Gaps shorter than 1 cm are dropped from the GeoJSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching import coverage, rules
from matching.candidates import RowFilter
from matching.path import MetricPath
from matching.reports import CoverLeg, RouteReport, RouteSuggestion, metres, ratio
from matching.requests import RouteRequest

MIN_GAP_M = 0.01


@dataclass(frozen=True)
class RouteCandidate:
    """An eligible line, as both the engine and the oracle describe it before ranking."""

    asset_id: int
    kind: str
    sensitivity: str
    owner_id: int
    owner_name: str
    owner_sector: str
    owner_ref: str
    distance_m: float
    intervals: tuple[tuple[float, float], ...]
    free: dict[str, int]

    @property
    def covered_m(self) -> float:
        return coverage.total(self.intervals)

    def mode(self, request: RouteRequest) -> str:
        return str(rules.sharing_mode(self.kind, next(iter(request.needs)), self.owner_sector))


def _suggest(c: RouteCandidate, request: RouteRequest, costs: rules.Costs) -> RouteSuggestion:
    mode = c.mode(request)
    saving = c.covered_m * costs.route_build_per_m(set(request.needs))
    free = ", ".join(f"{units} free {resource}" for resource, units in c.free.items())
    explanation = (
        f"{c.kind.replace('_', ' ').capitalize()} {c.owner_ref} of {c.owner_name} "
        f"({c.owner_sector}) "
        f"runs within {request.corridor_m:g} m of {c.covered_m:.0f} m of the route with {free}; "
        f"{mode.replace('_', ' ')} avoids about {saving:,.0f} {costs.currency} of new build."
    )
    return RouteSuggestion(
        asset_id=c.asset_id,
        owner_ref=c.owner_ref,
        owner_id=c.owner_id,
        owner_name=c.owner_name,
        owner_sector=c.owner_sector,
        kind=c.kind,
        sensitivity=c.sensitivity,
        distance_m=metres(c.distance_m),
        covered_m=metres(c.covered_m),
        intervals=tuple((metres(s), metres(e)) for s, e in c.intervals),
        free=dict(c.free),
        sharing_mode=mode,
        estimated_saving=metres(saving),
        explanation=explanation,
    )


def _gap_features(path: MetricPath, holes: list[tuple[float, float]]) -> dict:
    holes = [(s, e) for s, e in holes if e - s >= MIN_GAP_M]
    ends = (
        path.points_at(np.array([m for hole in holes for m in hole])) if holes else np.empty((0, 2))
    )
    features = []
    for k, (s, e) in enumerate(holes):
        coords = [
            [round(x, 7) + 0.0, round(y, 7) + 0.0]
            for x, y in path.piece(s, e, ends[2 * k : 2 * k + 2])
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": coords},
                "properties": {"from_m": metres(s), "to_m": metres(e), "length_m": metres(e - s)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _cover(
    candidates: Sequence[RouteCandidate], request: RouteRequest, costs: rules.Costs
) -> tuple[CoverLeg, ...]:
    options = [
        coverage.CoverOption(
            c.asset_id, c.owner_id, costs.share_cost_per_m(c.mode(request)), c.intervals
        )
        for c in candidates
    ]
    by_id = {c.asset_id: c for c in candidates}
    return tuple(
        CoverLeg(
            asset_id=opt.asset_id,
            owner_id=opt.owner_id,
            owner_name=by_id[opt.asset_id].owner_name,
            from_m=metres(s),
            to_m=metres(e),
            length_m=metres(e - s),
            sharing_mode=by_id[opt.asset_id].mode(request),
        )
        for opt, s, e in coverage.greedy_cover(options)
    )


def _reason(
    request: RouteRequest, length: float, covered: float, cover: tuple[CoverLeg, ...], share: bool
) -> str:
    kinds = ", ".join(sorted(rules.common_hosts(set(request.needs), rules.ROUTE_HOSTS)))
    needs = " and ".join(f"{units} free {resource}" for resource, units in request.needs.items())
    if not cover:
        return (
            f"No in-service {kinds} with {needs} within {request.corridor_m:g} m "
            "of the route; build new."
        )
    owners = len({leg.owner_id for leg in cover})
    assets = len({leg.asset_id for leg in cover})
    summary = (
        f"Existing {kinds} with {needs} cover {covered / length:.0%} of the {length:.0f} m route "
        f"({covered:.0f} m) using {assets} asset(s) of {owners} owner(s)"
    )
    if share:
        return f"{summary}; {length - covered:.0f} m remain to build."
    return f"{summary}, below the {request.share_threshold:.0%} needed to share; build new."


def route_report(
    request: RouteRequest,
    seq: int,
    path: MetricPath,
    candidates: Sequence[RouteCandidate],
    costs: rules.Costs = rules.DEFAULT_COSTS,
) -> RouteReport:
    """Rank, cover and reach the verdict (shared by the engine and the oracle)."""
    ranked = sorted(
        candidates, key=lambda c: (-metres(c.covered_m), metres(c.distance_m), c.asset_id)
    )
    union = coverage.merge([iv for c in candidates for iv in c.intervals])
    covered = min(coverage.total(union), path.length_m)
    cover = _cover(candidates, request, costs)
    share = covered / path.length_m >= request.share_threshold
    return RouteReport(
        verdict=str(rules.Verdict.SHARE if share else rules.Verdict.BUILD_NEW),
        reason=_reason(request, path.length_m, covered, cover, share),
        registry_seq=seq,
        request=request.to_dict(),
        candidates=tuple(_suggest(c, request, costs) for c in ranked[: request.limit]),
        route_length_m=metres(path.length_m),
        coverage_m=metres(covered),
        coverage_ratio=ratio(covered / path.length_m),
        gaps=_gap_features(path, coverage.gaps(union, path.length_m)),
        cover=cover,
        trench_avoided_m=metres(covered),
        new_build_m=metres(path.length_m - covered),
        estimated_saving=metres(covered * costs.route_build_per_m(set(request.needs))),
        currency=costs.currency,
    )


def match_route(
    index, request: RouteRequest, costs: rules.Costs = rules.DEFAULT_COSTS
) -> RouteReport:
    """Answer a route request from an `AssetIndex`; the report is stamped with its seq."""
    path = MetricPath(request.route)
    found = index.within_corridor(path, request.corridor_m, RowFilter.for_needs(request.needs))
    rows = found.rows
    intervals = coverage.corridor_intervals(
        path, found.metric_xy, found.metric_row, len(rows), request.corridor_m
    )
    candidates = [
        RouteCandidate(
            asset_id=int(rows.asset_id[i]),
            kind=rows.kind_name(i),
            sensitivity=rows.sensitivity_name(i),
            owner_id=int(rows.owner_id[i]),
            owner_name=rows.owner_name[i],
            owner_sector=rows.sector_name(i),
            owner_ref=rows.owner_ref(i),
            distance_m=float(found.distance_m[i]),
            intervals=tuple(intervals[i]),
            free={r: rows.free_of(i, r) for r in request.needs},
        )
        for i in range(len(rows))
    ]
    return route_report(request, found.seq, path, candidates, costs)
