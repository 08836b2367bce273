"""The route oracle: coverage by linear referencing, recomputed slowly from plain records.

Independent of the engine it checks (only the rules table is shared): its own tmerc frame at
the exact route centre, its own eligibility, and coverage by dense sampling. Each candidate
within the corridor is sampled every `STEP_M`; each sample maps to its nearest route point
(`line_locate_point`); consecutive in-corridor samples whose images are contiguous cover the
stretch between their images. Where the corridor edge or a jump of the nearest point falls
between two samples, bisection finds it to a micrometre. Laterals are the shortest sampled
join to each end of a covered stretch. Returns a plain dict shaped like the engine's report.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import numpy as np
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString

from matching import rules
from matching.records import AssetRecord

STEP_M = 0.5
_GEOD = Geod(ellps="WGS84")
_JOIN_M = 1e-6
_SHORTEST_M = 0.01


def free_units(record: AssetRecord, resource: str) -> int:
    capacity = record.capacity.get(resource)
    return 0 if capacity is None else capacity.free


def eligible(record: AssetRecord, needs: dict[str, int], kinds, sectors) -> bool:
    if record.status != rules.Status.IN_SERVICE:
        return False
    if kinds is not None and record.kind not in kinds:
        return False
    if sectors is not None and record.owner_sector not in sectors:
        return False
    for resource, units in needs.items():
        if not rules.can_host(record.kind, resource, record.use, record.owner_sector):
            return False
        if free_units(record, resource) < units:
            return False
    return True


class _Route:
    """The route in a tmerc frame at its exact lon/lat box centre, with geodesic measures."""

    def __init__(self, route: LineString) -> None:
        lons = np.array([c[0] for c in route.coords])
        lats = np.array([c[1] for c in route.coords])
        unwrapped = lons[0] + (lons - lons[0] + 180.0) % 360.0 - 180.0
        lon0 = ((unwrapped.min() + unwrapped.max()) / 2 + 180.0) % 360.0 - 180.0
        lat0 = (lats.min() + lats.max()) / 2
        crs = f"+proj=tmerc +lat_0={float(lat0)!r} +lon_0={float(lon0)!r} +ellps=WGS84 +units=m"
        self._t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self.xy = self.line(route)
        coords = list(route.coords)
        geodesic = [_GEOD.inv(*p[:2], *q[:2])[2] for p, q in itertools.pairwise(coords)]
        metric = [LineString(pq).length for pq in itertools.pairwise(self.xy.coords)]
        self.geo_start = np.concatenate([[0.0], np.cumsum(geodesic)])
        self.metric_start = np.concatenate([[0.0], np.cumsum(metric)])
        self.length_m = float(self.geo_start[-1])

    def line(self, geometry: LineString) -> LineString:
        x, y = self._t.transform(*zip(*[c[:2] for c in geometry.coords], strict=True))
        return LineString(list(zip(x, y, strict=True)))

    def locate(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(geodesic measure of the nearest route point, distance to it) of each point."""
        geoms = shapely.points(points)
        along = shapely.line_locate_point(self.xy, geoms)
        seg = np.clip(np.searchsorted(self.metric_start, along, side="right") - 1, 0,
                      len(self.metric_start) - 2)  # fmt: skip
        span = self.metric_start[seg + 1] - self.metric_start[seg]
        t = np.where(span > 0, (along - self.metric_start[seg]) / np.where(span > 0, span, 1), 0)
        measure = self.geo_start[seg] + t * (self.geo_start[seg + 1] - self.geo_start[seg])
        return measure, shapely.distance(self.xy, geoms)


def _samples(route: _Route, line: LineString, corridor_m: float):
    """(points, measures, distances) along the line, with corridor edges and jumps refined."""
    points = shapely.get_coordinates(shapely.segmentize(line, STEP_M))
    measure, distance = route.locate(points)
    inside = distance <= corridor_m
    step = np.hypot(*np.diff(points, axis=0).T)
    odd = (inside[:-1] != inside[1:]) | (inside[:-1] & inside[1:] & _jumps(measure, step))
    extra = [_refine(route, points[k], points[k + 1], corridor_m) for k in np.flatnonzero(odd)]
    if not extra:
        return points, measure, distance
    where = np.repeat(np.flatnonzero(odd) + 1, 2)
    added = np.array([p for pair in extra for p in pair])
    points = np.insert(points, where, added, axis=0)
    measure, distance = route.locate(points)
    return points, measure, distance


def _jumps(measure: np.ndarray, step: np.ndarray) -> np.ndarray:
    """Between consecutive samples, does the nearest route point move farther than we do?"""
    return np.abs(np.diff(measure)) > 1.01 * step + _JOIN_M


def _refine(route: _Route, p, q, corridor_m: float) -> tuple:
    """Two points a micrometre apart around the corridor edge or the jump between p and q."""
    (m_p, _), (d_p, d_q) = route.locate(np.array([p, q]))
    edge = (d_p <= corridor_m) != (d_q <= corridor_m)
    step = float(np.hypot(*(q - p)))
    lo, hi, m_lo = 0.0, 1.0, m_p
    while (hi - lo) * step > 1e-6:
        mid = (lo + hi) / 2
        (m_mid,), (d_mid,) = route.locate(np.array([p + mid * (q - p)]))
        if edge:
            same = (d_mid <= corridor_m) == (d_p <= corridor_m)
        else:
            same = not _jumps(np.array([m_lo, m_mid]), np.array([(mid - lo) * step]))[0]
        if same:
            lo, m_lo = mid, m_mid
        else:
            hi = mid
    return p + lo * (q - p), p + hi * (q - p)


def _coverage(samples, corridor_m: float) -> tuple[list, list]:
    """Merged covered stretches of one line and the lateral at each end."""
    points, measure, distance = samples
    inside = distance <= corridor_m
    step = np.hypot(*np.diff(points, axis=0).T)
    joined = inside[:-1] & inside[1:] & ~_jumps(measure, step)
    lo = np.minimum(measure[:-1], measure[1:])[joined]
    hi = np.maximum(measure[:-1], measure[1:])[joined]
    merged: list[list[float]] = []
    for s, e in sorted(zip(lo.tolist(), hi.tolist(), strict=True)):
        if merged and s <= merged[-1][1] + _JOIN_M:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    kept = [(s, e) for s, e in merged if e - s >= _SHORTEST_M]
    m_in, d_in = measure[inside], distance[inside]

    def join(at: float) -> float:
        return float(d_in[np.abs(m_in - at) <= 1e-3].min())

    return kept, [(join(s), join(e)) for s, e in kept]


def _union(intervals: Iterable[tuple[float, float]]) -> float:
    total, end = 0.0, -np.inf
    for s, e in sorted(intervals):
        if s > end:
            total, end = total + (e - s), e
        elif e > end:
            total, end = total + (e - end), e
    return total


def oracle_route(records: Iterable[AssetRecord], request, seq: int, costs=None) -> dict:
    """The route report's checkable parts: candidates (ranked, limited), coverage, verdict."""
    route = _Route(request.route)
    found, covered_all = [], []
    for r in records:
        if r.kind not in rules.LINE_KINDS or not eligible(r, request.needs, None, None):
            continue
        line = route.line(r.geometry)
        distance = route.xy.distance(line)
        if distance > request.corridor_m:
            continue
        intervals, laterals = _coverage(_samples(route, line, request.corridor_m),
                                        request.corridor_m)  # fmt: skip
        covered_all += intervals
        covered = sum(e - s for s, e in intervals)
        found.append(
            {
                "asset_id": r.id,
                "distance_m": round(float(distance), 2),
                "covered_m": round(covered, 2),
                "intervals": [[round(s, 2), round(e, 2)] for s, e in intervals],
                "laterals_m": [[round(a, 2), round(b, 2)] for a, b in laterals],
            }
        )
    found.sort(key=lambda c: (-c["covered_m"], c["distance_m"], c["asset_id"]))
    coverage_m = min(_union(covered_all), route.length_m)
    share = coverage_m / route.length_m
    if share >= request.share_threshold:
        verdict = "share"
    elif share >= request.partial_threshold:
        verdict = "partial_share"
    else:
        verdict = "build_new"
    return {
        "verdict": verdict,
        "registry_seq": seq,
        "route_length_m": round(route.length_m, 2),
        "coverage_m": round(coverage_m, 2),
        "coverage_ratio": round(share, 4),
        "candidates": found[: request.limit],
    }
