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
else "build_new". The gaps are GeoJSON lines (`route_gaps`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from matching import coverage, kernels_route_cover, route_corridor, route_gaps, rules
from matching.candidates import RESOURCE_CODE, RowFilter
from matching.kernels_route_rounding import rounded
from matching.path import MetricPath
from matching.reports import CoverLeg, RouteReport, RouteSuggestion, metres, ratio
from matching.requests import RouteRequest


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


def _suggestions(
    ranked: Sequence[RouteCandidate], covered_by: dict, modes: dict, request, costs
) -> tuple[RouteSuggestion, ...]:
    """The suggestions of the ranked candidates, all their metres rounded in one call."""
    per_m = costs.route_build_per_m(set(request.needs))
    corridor = f"{request.corridor_m:g}"
    values: list[float] = []
    for c in ranked:
        values += (c.distance_m, covered_by[c.asset_id], covered_by[c.asset_id] * per_m)
        values += [m for interval in c.intervals for m in interval]
        values += [m for join in c.laterals for m in join]
    flat = rounded(values, 2)
    out, at = [], 0
    for c in ranked:
        covered, mode = covered_by[c.asset_id], modes[c.asset_id]
        saving = covered * per_m
        free = ", ".join([f"{units} free {resource}" for resource, units in c.free.items()])
        explanation = (
            f"{_kind_label(c.kind)} {c.owner_ref} of {c.owner_name} ({c.owner_sector}) "
            f"runs within {corridor} m of {covered:.0f} m of the route with {free}; "
            f"{_label(mode)} avoids about {saving:,.0f} {costs.currency} of new build."
        )
        n, k = 2 * len(c.intervals), 2 * len(c.laterals)
        ends, joins = flat[at + 3 : at + 3 + n], flat[at + 3 + n : at + 3 + n + k]
        out.append(
            RouteSuggestion(
                c.asset_id, c.owner_ref, c.owner_id, c.owner_name, c.owner_sector, c.kind,
                c.sensitivity, flat[at], flat[at + 1], _couples(ends), _couples(joins),
                dict(c.free), mode, flat[at + 2], explanation,
            )
        )  # fmt: skip
        at += 3 + n + k
    return tuple(out)


def _couples(flat: list[float]) -> tuple[tuple[float, float], ...]:
    return tuple(zip(flat[::2], flat[1::2], strict=True))


@lru_cache(maxsize=256)
def _mode(kind: str, need: str, sector: str) -> str:
    return str(rules.sharing_mode(kind, need, sector))


@lru_cache(maxsize=64)
def _label(name: str) -> str:
    return name.replace("_", " ")  # "co_location" -> "co location"


@lru_cache(maxsize=64)
def _kind_label(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


Lateral = Callable[[int, float], float]  # (asset id, measure) -> metres of join there


def _cover(
    candidates: Sequence[RouteCandidate],
    modes: dict[int, str],
    union: list,
    costs: rules.Costs,
    lateral: Lateral,
    flat_intervals: tuple[np.ndarray, np.ndarray],
) -> tuple[CoverLeg, ...]:
    price = {mode: costs.share_cost_per_m(mode) for mode in set(modes.values())}
    ids = [c.asset_id for c in candidates]
    legs = coverage.cover_legs(
        ids, [c.owner_id for c in candidates], [price[modes[a]] for a in ids],
        [c.intervals for c in candidates], union, flat_intervals,
    )  # fmt: skip
    at = [ids[k] for k, _, _ in legs for _ in (0, 1)]
    ends = [m for _, s, e in legs for m in (s, e)]
    many = getattr(lateral, "many", None)  # the batched form, where the caller has one
    joins = many(at, ends) if many is not None else list(map(lateral, at, ends))
    flat = rounded(
        [m for j, (_, s, e) in enumerate(legs) for m in (s, e, e - s, *joins[2 * j : 2 * j + 2])],
        2,
    )
    return tuple(
        [
            CoverLeg(
                ids[k],
                candidates[k].owner_id,
                candidates[k].owner_name,
                *flat[5 * j : 5 * j + 3],
                modes[ids[k]],
                *flat[5 * j + 3 : 5 * j + 5],
            )
            for j, (k, _, _) in enumerate(legs)
        ]
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
    flat_intervals: tuple[np.ndarray, np.ndarray] | None = None,
) -> RouteReport:
    """Rank, cover and reach the verdict; `lateral` gives the join at a covered measure,
    `flat_intervals` the candidates' intervals as `coverage.flat` would (where known)."""
    if flat_intervals is None:
        flat_intervals = coverage.flat([c.intervals for c in candidates])
    # `covered_m` of each candidate, all in one compiled pass (the same sums in its order)
    totals = kernels_route_cover.totals(*flat_intervals).tolist()
    covered_by = dict(zip([c.asset_id for c in candidates], totals, strict=True))
    shown = rounded([m for c in candidates for m in (covered_by[c.asset_id], c.distance_m)], 2)
    ranked = [
        c
        for _, _, _, c in sorted(
            zip(
                [-m for m in shown[::2]], shown[1::2], [c.asset_id for c in candidates],
                candidates, strict=True,
            )
        )  # asset ids differ: candidates themselves are never compared
    ][: request.limit]  # fmt: skip
    need = next(iter(request.needs))
    modes = {c.asset_id: _mode(c.kind, need, c.owner_sector) for c in candidates}
    union = coverage.merge([iv for c in candidates for iv in c.intervals])
    covered = min(coverage.total(union), path.length_m)
    cover = _cover(candidates, modes, union, costs, lateral, flat_intervals)
    lateral_m = sum(leg.lateral_from_m + leg.lateral_to_m for leg in cover)
    outcome = verdict(covered / path.length_m, request)
    build_per_m = costs.route_build_per_m(set(request.needs))
    return RouteReport(
        verdict=str(outcome),
        reason=_reason(request, path.length_m, covered, cover, outcome, lateral_m),
        registry_seq=seq,
        request=request.to_dict(),
        candidates=_suggestions(ranked, covered_by, modes, request, costs),
        route_length_m=metres(path.length_m),
        coverage_m=metres(covered),
        coverage_ratio=ratio(covered / path.length_m),
        gaps=route_gaps.features(path, coverage.gaps(union, path.length_m)),
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
    row_filter = RowFilter.for_needs(request.needs)
    boxes = path.search_boxes(request.corridor_m)

    def read(gen):  # under the read lock: copies out what it keeps
        hits = gen.probe(boxes, row_filter, points=False, lines=True)
        return route_corridor.near_route(hits, path, request, gen.owners)

    seq, (candidates, found_cover) = index.read_generation(read)
    row_of = {c.asset_id: k for k, c in enumerate(candidates)}

    def lateral(asset_id: int, measure: float) -> float:
        return found_cover.lateral_at(row_of[asset_id], measure)

    def laterals(asset_ids: list[int], measures: list[float]) -> list[float]:
        return found_cover.laterals_at([row_of[a] for a in asset_ids], measures)

    lateral.many = laterals  # type: ignore[attr-defined]

    return route_report(request, seq, path, candidates, costs, lateral, found_cover.flat)


_KIND_NAMES = np.array(rules.KINDS, dtype=object)
_SENSITIVITY_NAMES = np.array(rules.SENSITIVITIES, dtype=object)
_SECTOR_NAMES = np.array(rules.SECTORS, dtype=object)


def candidates_from(rows, distance, intervals, laterals, request) -> list[RouteCandidate]:
    """RouteCandidates of rows copied out of the index, with their distances and covered
    intervals and laterals, reading each column once rather than per cell (also the batch's
    way, `batch_route_rows`)."""
    free = [(r, rows.free[:, RESOURCE_CODE[r]].tolist()) for r in request.needs]
    columns = zip(
        rows.asset_id.tolist(),
        _KIND_NAMES[rows.kind].tolist(),
        _SENSITIVITY_NAMES[rows.sensitivity].tolist(),
        rows.owner_id.tolist(),
        rows.owner_name,
        _SECTOR_NAMES[rows.sector].tolist(),
        rows.refs.strings(np.arange(len(rows))),
        distance.tolist(),
        intervals,
        [{r: units[k] for r, units in free} for k in range(len(rows))],
        laterals,
        strict=True,
    )
    # All fields given: tuple.__new__ skips NamedTuple's Python-level __new__ (~40 a route).
    return [tuple.__new__(RouteCandidate, values) for values in columns]
