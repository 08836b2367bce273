"""A brute-force oracle: the engine's answers recomputed from plain records, with no index.

Sites share the rules table and the report assembly (`site_report`) with the engine and find,
filter and measure in their own slow way: a loop over every record and `Geod.inv` per point.
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
from matching.reports import SiteReport
from matching.requests import SiteRequest
from matching.site import SiteCandidate, site_report

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
    found = []
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
            found.append(_site_candidate(r, request, distance, best))
    return site_report(request, seq, found, costs)


def _site_candidate(r: AssetRecord, request: SiteRequest, distance: float, best) -> SiteCandidate:
    return SiteCandidate(
        asset_id=r.id,
        kind=r.kind,
        sensitivity=r.sensitivity,
        owner_id=r.owner_id,
        owner_name=r.owner_name,
        owner_sector=r.owner_sector,
        owner_ref=r.owner_ref,
        distance_m=float(distance),
        free={res: free_units(r, res) for res in request.needs},
        best_height_m=None if best is None else float(best),
    )
