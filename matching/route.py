"""Route matching: which existing ducts, cables and pole routes run along a planned route.

Eligibility: an in-service line of a kind `rules.ROUTE_HOSTS` allows for every need, with
enough free units, within `corridor_m` of the route. Each candidate covers the stretch of the
route it runs along, by linear referencing (`linref`): its in-corridor points map to their
nearest route points, so it never covers more than its own length. Measures are geodesic
metres from the route start.

Candidates rank by covered metres (more first), then distance, then asset id. The cover is
`coverage.greedy_cover` over all eligible candidates (fewest owners, then fewest assets, then
cheapest sharing mode). `trench_avoided_m` is what the cover runs along; `new_build_m` the
rest of the route; `lateral_m` the joins from the route to the cover's assets at each end of
each leg, which are new trench too (`new_trench_m` = `new_build_m` + `lateral_m`). Verdict
"share" when coverage_ratio ≥ the request's `share_threshold` (default 0.8), "partial_share"
when it reaches `partial_threshold` (default 0.6: reuse most of the route, build the rest),
else "build_new". Gaps shorter than 1 cm are dropped from the GeoJSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from matching import coverage, linref, rules
from matching.candidates import RESOURCE_CODE, RowFilter
from matching.path import MetricPath
from matching.reports import CoverLeg, RouteReport, RouteSuggestion, metres, ratio
from matching.requests import RouteRequest

MIN_GAP_M = 0.01


class RouteCandidate(NamedTuple):
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
    laterals: tuple[tuple[float, float], ...] = ()  # metres of join at each interval's ends

    @property
    def covered_m(self) -> float:
        return coverage.total(self.intervals)

    def mode(self, request: RouteRequest) -> str:
        return str(rules.sharing_mode(self.kind, next(iter(request.needs)), self.owner_sector))


def _suggest(
    c: RouteCandidate, covered: float, mode: str, request: RouteRequest, costs: rules.Costs
) -> RouteSuggestion:
    saving = covered * costs.route_build_per_m(set(request.needs))
    free = ", ".join([f"{units} free {resource}" for resource, units in c.free.items()])
    explanation = (
        f"{c.kind.replace('_', ' ').capitalize()} {c.owner_ref} of {c.owner_name} "
        f"({c.owner_sector}) "
        f"runs within {request.corridor_m:g} m of {covered:.0f} m of the route with {free}; "
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
        covered_m=metres(covered),
        intervals=tuple((round(s, 2) + 0.0, round(e, 2) + 0.0) for s, e in c.intervals),
        laterals_m=tuple((metres(a), metres(b)) for a, b in c.laterals),
        free=dict(c.free),
        sharing_mode=mode,
        estimated_saving=metres(saving),
        explanation=explanation,
    )


def _gap_features(path: MetricPath, holes: list[tuple[float, float]]) -> dict:
    """The gaps as GeoJSON lines: each hole's two end points and the route vertices between."""
    holes = [(s, e) for s, e in holes if e - s >= MIN_GAP_M]
    if not holes:
        return {"type": "FeatureCollection", "features": []}
    measures = np.array([m for hole in holes for m in hole])
    ends = path.points_at(measures).tolist()
    # The route vertices strictly inside each hole, found by bisection (start_m is sorted).
    first = np.searchsorted(path.start_m, measures[0::2], side="right").tolist()
    last = np.searchsorted(path.start_m, measures[1::2], side="left").tolist()
    vertices = np.column_stack([path.lons, path.lats]).tolist()
    features = []
    for k, (s, e) in enumerate(holes):
        points = [ends[2 * k], *vertices[first[k] : last[k]], ends[2 * k + 1]]
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[round(x, 7) + 0.0, round(y, 7) + 0.0] for x, y in points],
                },
                "properties": {"from_m": metres(s), "to_m": metres(e), "length_m": metres(e - s)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


Lateral = Callable[[int, float], float]  # (asset id, measure) -> metres of join there


def _cover(
    candidates: Sequence[RouteCandidate],
    modes: dict[int, str],
    union: list,
    costs: rules.Costs,
    lateral: Lateral,
) -> tuple[CoverLeg, ...]:
    options = [
        coverage.CoverOption(
            c.asset_id, c.owner_id, costs.share_cost_per_m(modes[c.asset_id]), c.intervals
        )
        for c in candidates
    ]
    by_id = {c.asset_id: c for c in candidates}
    legs = coverage.greedy_cover(options, union)
    ids = [opt.asset_id for opt, _, _ in legs for _ in (0, 1)]
    ends = [m for _, s, e in legs for m in (s, e)]
    many = getattr(lateral, "many", None)  # the batched form, where the caller has one
    joins = many(ids, ends) if many is not None else list(map(lateral, ids, ends))
    return tuple(
        CoverLeg(
            asset_id=opt.asset_id,
            owner_id=opt.owner_id,
            owner_name=by_id[opt.asset_id].owner_name,
            from_m=metres(s),
            to_m=metres(e),
            length_m=metres(e - s),
            sharing_mode=modes[opt.asset_id],
            lateral_from_m=metres(joins[2 * k]),
            lateral_to_m=metres(joins[2 * k + 1]),
        )
        for k, (opt, s, e) in enumerate(legs)
    )


def verdict(ratio_covered: float, request: RouteRequest) -> rules.Verdict:
    """share at the share threshold, partial_share at the partial one, else build_new."""
    if ratio_covered >= request.share_threshold:
        return rules.Verdict.SHARE
    if ratio_covered >= request.partial_threshold:
        return rules.Verdict.PARTIAL_SHARE
    return rules.Verdict.BUILD_NEW


def _reason(
    request: RouteRequest,
    length: float,
    covered: float,
    cover: tuple[CoverLeg, ...],
    outcome: str,
    lateral_m: float,
) -> str:
    kinds = ", ".join(sorted(rules.common_hosts(set(request.needs), rules.ROUTE_HOSTS)))
    needs = " and ".join(f"{units} free {resource}" for resource, units in request.needs.items())
    if not cover:
        return (
            f"No in-service {kinds} with {needs} runs along the route "
            f"within {request.corridor_m:g} m; build new."
        )
    owners = len({leg.owner_id for leg in cover})
    assets = len({leg.asset_id for leg in cover})
    summary = (
        f"Existing {kinds} with {needs} run along {covered / length:.0%} of the {length:.0f} m "
        f"route ({covered:.0f} m) using {assets} asset(s) of {owners} owner(s)"
    )
    trench = f"{length - covered:.0f} m of route and {lateral_m:.0f} m of laterals remain to build"
    if outcome == rules.Verdict.SHARE:
        return f"{summary}; {trench}."
    if outcome == rules.Verdict.PARTIAL_SHARE:
        return f"{summary}: share these legs; {trench}."
    return f"{summary}, below the {request.partial_threshold:.0%} needed to share; build new."


def _no_lateral(asset_id: int, measure: float) -> float:
    return 0.0


def route_report(
    request: RouteRequest,
    seq: int,
    path: MetricPath,
    candidates: Sequence[RouteCandidate],
    costs: rules.Costs = rules.DEFAULT_COSTS,
    lateral: Lateral = _no_lateral,
) -> RouteReport:
    """Rank, cover and reach the verdict; `lateral` gives the join at a covered measure."""
    covered_by = {c.asset_id: c.covered_m for c in candidates}
    ranked = sorted(
        candidates,
        key=lambda c: (-metres(covered_by[c.asset_id]), metres(c.distance_m), c.asset_id),
    )
    need = next(iter(request.needs))
    modes = {c.asset_id: str(rules.sharing_mode(c.kind, need, c.owner_sector)) for c in candidates}
    union = coverage.merge([iv for c in candidates for iv in c.intervals])
    covered = min(coverage.total(union), path.length_m)
    cover = _cover(candidates, modes, union, costs, lateral)
    lateral_m = sum(leg.lateral_from_m + leg.lateral_to_m for leg in cover)
    outcome = verdict(covered / path.length_m, request)
    build_per_m = costs.route_build_per_m(set(request.needs))
    return RouteReport(
        verdict=str(outcome),
        reason=_reason(request, path.length_m, covered, cover, outcome, lateral_m),
        registry_seq=seq,
        request=request.to_dict(),
        candidates=tuple(
            _suggest(c, covered_by[c.asset_id], modes[c.asset_id], request, costs)
            for c in ranked[: request.limit]
        ),
        route_length_m=metres(path.length_m),
        coverage_m=metres(covered),
        coverage_ratio=ratio(covered / path.length_m),
        gaps=_gap_features(path, coverage.gaps(union, path.length_m)),
        cover=cover,
        trench_avoided_m=metres(covered),
        new_build_m=metres(path.length_m - covered),
        lateral_m=metres(lateral_m),
        new_trench_m=metres(path.length_m - covered + lateral_m),
        estimated_saving=metres((covered - lateral_m) * build_per_m),
        currency=costs.currency,
    )


def match_route(
    index, request: RouteRequest, costs: rules.Costs = rules.DEFAULT_COSTS
) -> RouteReport:
    """Answer a route request from an `AssetIndex`; the report is stamped with its seq."""
    path = MetricPath(request.route)
    found = index.within_corridor(path, request.corridor_m, RowFilter.for_needs(request.needs))
    rows = found.rows
    found_cover = linref.linear_coverage(path, found.pairs, len(rows), request.corridor_m)
    row_of = {asset_id: k for k, asset_id in enumerate(rows.asset_id.tolist())}

    def lateral(asset_id: int, measure: float) -> float:
        return found_cover.lateral_at(row_of[asset_id], measure)

    def laterals(asset_ids: list[int], measures: list[float]) -> list[float]:
        return found_cover.laterals_at([row_of[a] for a in asset_ids], measures)

    lateral.many = laterals  # type: ignore[attr-defined]

    candidates = _candidates(found, found_cover, request)
    return route_report(request, found.seq, path, candidates, costs, lateral)


_KIND_NAMES = np.array(rules.KINDS, dtype=object)
_SENSITIVITY_NAMES = np.array(rules.SENSITIVITIES, dtype=object)
_SECTOR_NAMES = np.array(rules.SECTORS, dtype=object)


def _candidates(found, found_cover, request: RouteRequest) -> list[RouteCandidate]:
    """RouteCandidates for every row found, reading each column once rather than per cell."""
    rows = found.rows
    every = np.arange(len(rows))
    free = [(r, rows.free[:, RESOURCE_CODE[r]].tolist()) for r in request.needs]
    columns = zip(
        rows.asset_id.tolist(),
        _KIND_NAMES[rows.kind].tolist(),
        _SENSITIVITY_NAMES[rows.sensitivity].tolist(),
        rows.owner_id.tolist(),
        rows.owner_name,
        _SECTOR_NAMES[rows.sector].tolist(),
        rows.refs.strings(every),
        found.distance_m.tolist(),
        map(tuple, found_cover.intervals),
        [{r: units[k] for r, units in free} for k in range(len(rows))],
        map(tuple, found_cover.laterals),
        strict=True,
    )
    return [RouteCandidate(*values) for values in columns]
