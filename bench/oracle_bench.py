"""The brute-force oracle against the engine on a sample of the benchmark's queries.

The oracle loops over every record it is given with `Geod.inv` and buffered polygons, far
too slow for 1.2 M records per query. Each query therefore gets the records inside a
generous lon/lat box around it (selected with plain numpy on the generator's arrays, no
engine code): the box holds the whole search circle or corridor, so the oracle's answer on
the subset is its answer on the whole registry.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time

import numpy as np

from bench.dataset import ArraySource
from bench.report import Figures
from matching import AssetIndex, match_route, match_site
from matching.oracle import oracle_route, oracle_site

METRES_PER_DEGREE = 110_000.0  # a little under the shortest degree of latitude: a safe margin
ROUTE_LIMIT = 100  # compare whole candidate lists, not a top 10 cut between near-equal ones


def _degrees(margin_m: float, lat: float) -> tuple[float, float]:
    dlat = margin_m / METRES_PER_DEGREE
    return margin_m / (METRES_PER_DEGREE * math.cos(math.radians(abs(lat) + dlat))), dlat


def _site_records(source: ArraySource, request) -> list:
    a = source.dataset.arrays
    lon, lat = request.location.x, request.location.y
    dlon, dlat = _degrees(1.5 * request.radius_m, lat)
    near = (np.abs(a.lon - lon) <= dlon) & (np.abs(a.lat - lat) <= dlat)
    return [source.get(int(i)) for i in np.flatnonzero(near)]


def _route_records(source: ArraySource, bounds: np.ndarray, request) -> list:
    coords = np.asarray(request.route.coords)
    margin = 3 * request.corridor_m + 100.0
    dlon, dlat = _degrees(margin, float(np.abs(coords[:, 1]).max()))
    lo, hi = coords[:-1], coords[1:]
    grow = np.array([dlon, dlat])
    boxes = np.column_stack([np.minimum(lo, hi) - grow, np.maximum(lo, hi) + grow])
    hull = np.concatenate([boxes[:, :2].min(axis=0), boxes[:, 2:].max(axis=0)])
    ids = np.flatnonzero(_meet(bounds, hull[None, :]).any(axis=1))
    ids = ids[_meet(bounds[ids], boxes).any(axis=1)]
    n_points = source.dataset.n_points
    return [source.get(n_points + int(i)) for i in ids]


def _meet(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (
        (a[:, None, 0] <= b[None, :, 2])
        & (a[:, None, 2] >= b[None, :, 0])
        & (a[:, None, 1] <= b[None, :, 3])
        & (a[:, None, 3] >= b[None, :, 1])
    )


def site_mismatch(engine: dict, oracle: dict) -> str | None:
    """Why two site reports disagree (same ids, same order, distances within 0.5 m), or None."""
    ours, theirs = engine["candidates"], oracle["candidates"]
    if [c["asset_id"] for c in ours] != [c["asset_id"] for c in theirs]:
        return "different candidates or order"
    if any(abs(a["distance_m"] - b["distance_m"]) > 0.5 for a, b in zip(ours, theirs, strict=True)):
        return "distance differs by more than 0.5 m"
    if (engine["verdict"], engine["reason"]) != (oracle["verdict"], oracle["reason"]):
        return "different verdict"
    return None


def route_mismatch(engine: dict, oracle: dict) -> str | None:
    """Why two route reports disagree (same ids; distances within 0.5 m, coverage within 1 m;
    never ranked the other way round by more than 1 m), or None."""
    ours = {c["asset_id"]: c for c in engine["candidates"]}
    theirs = {c["asset_id"]: c for c in oracle["candidates"]}
    if set(ours) != set(theirs):
        return "different candidates"
    for asset_id, c in ours.items():
        if abs(c["distance_m"] - theirs[asset_id]["distance_m"]) > 0.5:
            return "distance differs by more than 0.5 m"
        if abs(c["covered_m"] - theirs[asset_id]["covered_m"]) > 1.0:
            return "covered metres differ by more than 1 m"
    ranked = [c["asset_id"] for c in engine["candidates"]]
    for better, worse in itertools.pairwise(ranked):
        if theirs[worse]["covered_m"] > theirs[better]["covered_m"] + 1.0:
            return "ranked the other way round"
    if abs(engine["coverage_m"] - oracle["coverage_m"]) > 1.0:
        return "route coverage differs by more than 1 m"
    return None


def compare(index: AssetIndex, source: ArraySource, sites, routes, figures: Figures) -> int:
    """Engine against oracle on `sites` and `routes`; returns the number of mismatches."""
    seq, problems = source.current_seq(), []
    start = time.perf_counter()
    records = 0
    for request in sites:
        subset = _site_records(source, request)
        records += len(subset)
        why = site_mismatch(
            match_site(index, request).to_dict(), oracle_site(subset, request, seq).to_dict()
        )
        if why:
            problems.append(f"site {request.location.x:.6f},{request.location.y:.6f}: {why}")
    site_s = time.perf_counter() - start
    bounds = source.dataset.arrays.line_bounds()
    start = time.perf_counter()
    for request in (dataclasses.replace(r, limit=ROUTE_LIMIT) for r in routes):
        subset = _route_records(source, bounds, request)
        why = route_mismatch(
            match_route(index, request).to_dict(), oracle_route(subset, request, seq)
        )
        if why:
            problems.append(f"route from {request.route.coords[0]}: {why}")
    route_s = time.perf_counter() - start
    figures.note(
        f"oracle: {len(sites)} site queries ({records / max(len(sites), 1):,.0f} records each "
        f"in a box of 1.5 x radius, {site_s:.0f} s) and {len(routes)} route queries "
        f"(limit {ROUTE_LIMIT}, lines near the route, {route_s:.0f} s) on the full registry"
    )
    for problem in problems[:10]:
        figures.note(f"oracle mismatch: {problem}")
    return len(problems)
