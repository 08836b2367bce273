"""Benchmark workloads on a Dataset: site locations near the cities, routes along the streets,
and a batch of registry changes (moves, capacity changes, deletes, inserts)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from pyproj import Geod
from shapely.geometry import LineString, Point

from bench.dataset import ArraySource, Dataset
from matching.records import Capacity
from matching.requests import RouteRequest, SiteRequest

GEOD = Geod(ellps="WGS84")
SITE_NEEDS = {"antenna_mount": 1}
ROUTE_NEEDS = {"fiber_core": 12}
SITE_RADIUS_M = 500.0
CORRIDOR_M = 50.0
ROUTE_STEP_M = 500.0
ROUTE_STEPS = 20  # 10 km
JITTER_M = 300.0


def site_locations(dataset: Dataset, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) lon/lat: random point assets moved by ~300 m, so sites follow the city density."""
    a = dataset.arrays
    pick = rng.integers(0, dataset.n_points, n)
    azimuth = rng.uniform(0, 360, n)
    distance = np.abs(rng.normal(0, JITTER_M, n))
    lon, lat, _ = GEOD.fwd(a.lon[pick], a.lat[pick], azimuth, distance)
    return np.column_stack([lon, lat])


def site_requests(locations: np.ndarray) -> list[SiteRequest]:
    return [
        SiteRequest(Point(lon, lat), SITE_RADIUS_M, dict(SITE_NEEDS))
        for lon, lat in locations.tolist()
    ]


def route_lines(dataset: Dataset, n: int, rng: np.random.Generator) -> list[LineString]:
    """10 km routes that start on a generated street line and follow its street grid:
    500 m steps along the line's heading, turning a right angle now and then."""
    a = dataset.arrays
    routes = []
    for i in rng.integers(0, dataset.n_lines, n).tolist():
        (lon0, lat0), (lon1, lat1) = a.line_coords[a.line_offsets[i] : a.line_offsets[i] + 2]
        heading, _, _ = GEOD.inv(lon0, lat0, lon1, lat1)
        coords = [(float(lon0), float(lat0))]
        for _ in range(ROUTE_STEPS):
            heading += rng.choice([0.0, 0.0, 0.0, 90.0, -90.0]) + rng.normal(0, 3.0)
            lon, lat, _ = GEOD.fwd(*coords[-1], heading, ROUTE_STEP_M)
            coords.append((lon, lat))
        routes.append(LineString(coords))
    return routes


def route_requests(routes: list[LineString]) -> list[RouteRequest]:
    return [RouteRequest(route, CORRIDOR_M, dict(ROUTE_NEEDS)) for route in routes]


def _less_free(record):
    capacity = {
        name: Capacity(c.total, max(c.free - 1, 0), c.free_heights[: max(c.free - 1, 0)])
        for name, c in record.capacity.items()
    }
    return dataclasses.replace(record, capacity=capacity)


def _moved(record, rng: np.random.Generator):
    if record.geometry.geom_type == "Point":
        lon, lat, _ = GEOD.fwd(record.geometry.x, record.geometry.y, rng.uniform(0, 360), 80.0)
        return dataclasses.replace(record, geometry=Point(lon, lat))
    coords = np.asarray(record.geometry.coords) + np.array([0.0005, 0.0])  # ~50 m east
    return dataclasses.replace(record, geometry=LineString(coords))


def apply_changes(source: ArraySource, n: int, rng: np.random.Generator) -> dict[str, int]:
    """Write `n` changes through the source: 70% capacity, 20% moves, 5% deletes, 5% inserts."""
    total = source.dataset.n_points + source.dataset.n_lines
    ids = rng.choice(total, n, replace=False).tolist()
    counts = dict.fromkeys(("capacity", "move", "delete", "insert"), 0)
    for k, asset_id in enumerate(ids):
        record, u = source.get(asset_id), k % 20
        if u < 14:
            source.put(_less_free(record))
            counts["capacity"] += 1
        elif u < 18:
            source.put(_moved(record, rng))
            counts["move"] += 1
        elif u < 19:
            source.delete(asset_id)
            counts["delete"] += 1
        else:
            source.put(dataclasses.replace(record, id=total + k, owner_ref=f"NEW-{k}"))
            counts["insert"] += 1
    return counts


def percentiles(seconds: list[float]) -> tuple[float, float]:
    """(p50, p99) in microseconds."""
    us = np.asarray(seconds) * 1e6
    return float(np.percentile(us, 50)), float(np.percentile(us, 99))


def within(a: float, b: float, tolerance: float) -> bool:
    return math.isclose(a, b, abs_tol=tolerance)
