"""A brute-force oracle: the engine's answers recomputed from plain records, with no index.

Sites share only the rules table and the report's data classes with the engine: they find,
filter and measure in their own slow way (a loop over every record and `Geod.inv` per point)
and score, rank, word and judge with the documented formula written out again here, so that a
bug in the engine's ranking or verdict (`matching.site`) cannot hide in code both use.
Routes share nothing with the engine but the rules table (`oracle_route.py`): coverage there
comes from sampling each candidate every half metre, so that an engine bug in the exact
coverage, the merging or the verdict cannot hide in code both use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from pyproj import Geod

from matching import rules
from matching.oracle_route import eligible, free_units, oracle_route
from matching.records import AssetRecord
from matching.reports import SiteReport, SiteSuggestion
from matching.requests import SiteRequest

__all__ = ["eligible", "oracle_route", "oracle_site"]

_GEOD = Geod(ellps="WGS84")
_ANTENNA = rules.Resource.ANTENNA_MOUNT


def _known(value) -> bool:
    return value is not None and not math.isnan(value)


def _heights(record: AssetRecord, request: SiteRequest) -> tuple[bool, float | None]:
    """(meets the height condition, best usable height), written out longhand."""
    if _ANTENNA not in request.needs:
        best = record.height_m if _known(record.height_m) else None
        if request.min_height_m is None:
            return True, best
        return best is not None and best >= request.min_height_m, best
    capacity = record.capacity[_ANTENNA]
    positions = capacity.free_heights or tuple([math.nan] * capacity.free)
    usable = []
    for h in positions:
        if _known(h):
            usable.append(h)
        elif _known(record.height_m):
            usable.append(record.height_m)
    best = max(usable) if usable else None
    if request.min_height_m is None:
        return True, best
    high = [h for h in usable if h >= request.min_height_m]
    return len(high) >= request.needs[_ANTENNA], best


def oracle_site(
    records: Iterable[AssetRecord],
    request: SiteRequest,
    seq: int,
    costs: rules.Costs = rules.DEFAULT_COSTS,
) -> SiteReport:
    lon0, lat0 = request.location.x, request.location.y
    found: list[tuple[AssetRecord, float, float | None]] = []
    for r in records:
        if r.kind in rules.LINE_KINDS or not eligible(
            r, request.needs, request.kinds, request.sectors
        ):
            continue
        _, _, distance = _GEOD.inv(lon0, lat0, r.geometry.x, r.geometry.y)
        if distance > request.radius_m:
            continue
        ok, best = _heights(r, request)
        if ok:
            found.append((r, float(distance), None if best is None else float(best)))
    return _report(request, seq, found, costs)


def _score(r: AssetRecord, request: SiteRequest, distance: float, best) -> float:
    """100 x (0.60 proximity + 0.15 height + 0.10 headroom + 0.15 sector), as documented."""
    proximity = max(0.0, 1.0 - distance / request.radius_m)
    height = 0.0 if best is None else min(1.0, best / 40.0)
    headroom = sum(
        (free_units(r, res) - units) / free_units(r, res) for res, units in request.needs.items()
    ) / len(request.needs)
    sector = rules.SECTOR_PREFERENCE.get(r.owner_sector, 0.0)
    total = 0.60 * proximity + 0.15 * height + 0.10 * headroom + 0.15 * sector
    return round(100 * total, 4) + 0.0


def _report(request: SiteRequest, seq: int, found, costs: rules.Costs) -> SiteReport:
    """Rank by score (ties: lower id), keep `limit`, word each suggestion, reach the verdict."""
    scored = sorted(
        ((_score(r, request, d, best), r, d, best) for r, d, best in found),
        key=lambda item: (-item[0], item[1].id),
    )
    antenna = _ANTENNA in request.needs
    saving = round(float(costs.new_tower if antenna else costs.new_pole), 2) + 0.0
    chosen = [_suggestion(request, saving, costs, *item) for item in scored[: request.limit]]
    if chosen:
        top = chosen[0]
        verdict = "share"
        reason = (
            f"{len(scored)} existing structure(s) within {request.radius_m:g} m can take the "
            f"equipment; the best is {top.kind} {top.owner_ref} at {top.distance_m:.2f} m."
        )
    else:
        verdict, reason = "build_new", _nothing_reason(request)
    return SiteReport(verdict=verdict, reason=reason, registry_seq=seq,
                      request=request.to_dict(), candidates=tuple(chosen),
                      currency=costs.currency)  # fmt: skip


def _suggestion(request, saving, costs, score, r: AssetRecord, distance, best) -> SiteSuggestion:
    need = next(iter(request.needs))
    mode = str(rules.RULES_BY_KEY[(r.kind, need)].mode_for(r.owner_sector))
    free = {res: free_units(r, res) for res in request.needs}
    units = ", ".join(f"{n} free {res}" for res, n in free.items())
    mount = "" if best is None else f", best mount at {best:g} m"
    text = (
        f"{r.kind.replace('_', ' ').capitalize()} {r.owner_ref} of {r.owner_name} "
        f"({r.owner_sector}) is {distance:.0f} m away with {units}{mount}; "
        f"{mode.replace('_', ' ')} avoids about {saving:,.0f} {costs.currency} of new build."
    )
    return SiteSuggestion(r.id, r.owner_ref, r.owner_id, r.owner_name, r.owner_sector, r.kind,
                          r.sensitivity, round(distance, 2) + 0.0, free, mode, saving, score,
                          text)  # fmt: skip


def _nothing_reason(request: SiteRequest) -> str:
    hosts = set(request.kinds) if request.kinds else set(rules.KINDS)
    for need in request.needs:  # one structure must host every need
        hosts &= rules.SITE_HOSTS.get(need, frozenset())
    needs = " and ".join(f"{n} free {res}" for res, n in request.needs.items())
    high = "" if request.min_height_m is None else f" at {request.min_height_m:g} m or higher"
    what = ", ".join(sorted(hosts)) or "asset of the requested kinds"
    return f"No in-service {what} with {needs}{high} within {request.radius_m:g} m; build new."
