"""A brute-force oracle: the engine's answers recomputed from plain records, with no index.

It shares only the specification with the engine: the rules table, the ranking and report
assembly (`site_report`, `route_report`). It finds candidates, checks eligibility, measures
distances and corridor coverage in its own, slow and obvious way: a loop over every record,
`Geod.inv` per point, and a tmerc frame at the exact route centre where coverage comes from
intersecting each route segment with `candidate.buffer(corridor, quad_segs=256)`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point

from matching import rules
from matching.path import MetricPath
from matching.records import AssetRecord
from matching.reports import RouteReport, SiteReport
from matching.requests import RouteRequest, SiteRequest
from matching.route import RouteCandidate, route_report
from matching.site import SiteCandidate, site_report

_GEOD = Geod(ellps="WGS84")
_ANTENNA = rules.Resource.ANTENNA_MOUNT


def _free(record: AssetRecord, resource: str) -> int:
    capacity = record.capacity.get(resource)
    return 0 if capacity is None else capacity.free


def _eligible(record: AssetRecord, needs: dict[str, int], kinds, sectors) -> bool:
    if record.status != rules.Status.IN_SERVICE:
        return False
    if kinds is not None and record.kind not in kinds:
        return False
    if sectors is not None and record.owner_sector not in sectors:
        return False
    for resource, units in needs.items():
        if not rules.can_host(record.kind, resource, record.use, record.owner_sector):
            return False
        if _free(record, resource) < units:
            return False
    return True


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
        if r.kind in rules.LINE_KINDS or not _eligible(
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
        free={res: _free(r, res) for res in request.needs},
        best_height_m=None if best is None else float(best),
    )


class _Frame:
    """tmerc at the exact centre of the route's lon/lat box (no rounding, no cache)."""

    def __init__(self, route: LineString) -> None:
        lons = np.array([c[0] for c in route.coords])
        lats = np.array([c[1] for c in route.coords])
        unwrapped = lons[0] + (lons - lons[0] + 180.0) % 360.0 - 180.0
        lon0 = ((unwrapped.min() + unwrapped.max()) / 2 + 180.0) % 360.0 - 180.0
        lat0 = (lats.min() + lats.max()) / 2
        crs = f"+proj=tmerc +lat_0={float(lat0)!r} +lon_0={float(lon0)!r} +ellps=WGS84 +units=m"
        self._t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def line(self, geometry: LineString) -> LineString:
        x, y = self._t.transform(*zip(*[c[:2] for c in geometry.coords], strict=True))
        return LineString(list(zip(x, y, strict=True)))


def _intervals(route_xy: LineString, starts: list[float], lengths: list[float], zone) -> list:
    """Merged geodesic intervals of the route inside `zone`, segment by segment."""
    pieces = []
    pts = list(route_xy.coords)
    for i in range(len(pts) - 1):
        segment = LineString([pts[i], pts[i + 1]])
        if segment.length == 0:
            if zone.covers(Point(pts[i])):
                pieces.append((starts[i], starts[i]))
            continue
        for part in shapely.get_parts(segment.intersection(zone)):
            if part.is_empty:
                continue
            ts = [segment.project(Point(c)) / segment.length for c in part.coords]
            pieces.append((starts[i] + min(ts) * lengths[i], starts[i] + max(ts) * lengths[i]))
    merged: list[list[float]] = []
    for s, e in sorted(pieces):
        if merged and s <= merged[-1][1] + 1e-6:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def oracle_route(
    records: Iterable[AssetRecord],
    request: RouteRequest,
    seq: int,
    costs: rules.Costs = rules.DEFAULT_COSTS,
) -> RouteReport:
    frame = _Frame(request.route)
    route_xy = frame.line(request.route)
    coords = list(request.route.coords)
    lengths = [_GEOD.inv(*a[:2], *b[:2])[2] for a, b in pairwise(coords)]
    starts = [sum(lengths[:i]) for i in range(len(lengths))]
    found = []
    for r in records:
        if r.kind not in rules.LINE_KINDS or not _eligible(r, request.needs, None, None):
            continue
        line_xy = frame.line(r.geometry)
        distance = route_xy.distance(line_xy)
        if distance > request.corridor_m:
            continue
        zone = line_xy.buffer(request.corridor_m, quad_segs=256)
        found.append(
            RouteCandidate(
                asset_id=r.id,
                kind=r.kind,
                sensitivity=r.sensitivity,
                owner_id=r.owner_id,
                owner_name=r.owner_name,
                owner_sector=r.owner_sector,
                owner_ref=r.owner_ref,
                distance_m=float(distance),
                intervals=tuple(_intervals(route_xy, starts, lengths, zone)),
                free={res: _free(r, res) for res in request.needs},
            )
        )
    return route_report(request, seq, MetricPath(request.route), found, costs)
