"""Factories for engine tests: asset records, metric offsets and random clustered registries."""

from __future__ import annotations

import math

import numpy as np
from pyproj import Geod
from shapely.geometry import LineString, Point

from matching.records import AssetRecord, Capacity

GEOD = Geod(ellps="WGS84")
OWNERS = {
    1: ("China Tower", "tower_company"),
    2: ("Unicom", "telecom"),
    3: ("State Grid", "power"),
    4: ("City Lighting", "municipal"),
    5: ("Railway Bureau", "rail"),
    6: ("Highway Authority", "highway"),
}


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    """The point `east_m` east and `north_m` north of (lon, lat), geodesically."""
    distance = math.hypot(east_m, north_m)
    if distance == 0:
        return lon, lat
    azimuth = math.degrees(math.atan2(east_m, north_m))
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return float(x), float(y)


def make_point(
    asset_id: int,
    lon: float,
    lat: float,
    *,
    kind: str = "tower",
    owner_id: int = 1,
    status: str = "in_service",
    height_m: float | None = 30.0,
    use: str | None = None,
    capacity: dict | None = None,
    sensitivity: str = "public",
) -> AssetRecord:
    name, sector = OWNERS[owner_id]
    if capacity is None:
        capacity = {"antenna_mount": Capacity(total=6, free=3)}
    return AssetRecord(
        id=asset_id,
        kind=kind,
        status=status,
        sensitivity=sensitivity,
        owner_id=owner_id,
        owner_name=name,
        owner_sector=sector,
        owner_ref=f"{kind[:3].upper()}-{asset_id}",
        geometry=Point(lon, lat),
        height_m=height_m,
        use=use,
        capacity=capacity,
    )


def make_line(
    asset_id: int,
    coords,
    *,
    kind: str = "duct",
    owner_id: int = 2,
    status: str = "in_service",
    capacity: dict | None = None,
) -> AssetRecord:
    name, sector = OWNERS[owner_id]
    if capacity is None:
        resource = {"duct": "subduct", "fiber_cable": "fiber_core", "aerial_route": "attachment"}[
            kind
        ]
        capacity = {resource: Capacity(total=24, free=12)}
    return AssetRecord(
        id=asset_id,
        kind=kind,
        status=status,
        sensitivity="public",
        owner_id=owner_id,
        owner_name=name,
        owner_sector=sector,
        owner_ref=f"{kind[:3].upper()}-{asset_id}",
        geometry=LineString(coords),
        capacity=capacity,
    )


def _random_capacity(rng: np.random.Generator, kind: str) -> dict:
    if kind in ("tower", "rooftop", "indoor_system", "pole"):
        total = int(rng.integers(1, 7))
        free = int(rng.integers(0, total + 1))
        heights = (
            tuple(
                float("nan") if rng.random() < 0.2 else float(rng.integers(8, 50))
                for _ in range(free)
            )
            if rng.random() < 0.7
            else ()
        )
        caps = {"antenna_mount": Capacity(total, free, heights)}
        if kind == "pole":
            caps["attachment"] = Capacity(4, int(rng.integers(0, 5)))
        return caps
    return {}


def random_points(
    rng: np.random.Generator,
    centre: tuple[float, float],
    count: int,
    spread_m: float,
    first_id: int = 1,
) -> list[AssetRecord]:
    """Point assets clustered around `centre` (normal spread in metres), mixed kinds."""
    kinds = ["tower", "pole", "rooftop", "indoor_system", "manhole", "cabinet"]
    records = []
    for k in range(count):
        kind = kinds[int(rng.integers(len(kinds)))]
        lon, lat = offset(*centre, *rng.normal(0, spread_m, 2))
        height = None if rng.random() < 0.15 else float(rng.integers(6, 60))
        records.append(
            make_point(
                first_id + k,
                lon,
                lat,
                kind=kind,
                owner_id=int(rng.integers(1, 7)),
                status=str(rng.choice(["in_service"] * 4 + ["planned", "decommissioned"])),
                height_m=height,
                use=str(rng.choice(["lighting", "power", "traffic", "telecom"]))
                if kind == "pole"
                else None,
                capacity=_random_capacity(rng, kind),
            )
        )
    return records


def random_lines(
    rng: np.random.Generator,
    centre: tuple[float, float],
    count: int,
    spread_m: float,
    first_id: int = 100_000,
) -> list[AssetRecord]:
    """Line assets: short random walks (2-6 vertices, 20-400 m steps) near `centre`."""
    kinds = ["duct", "fiber_cable", "aerial_route"]
    records = []
    for k in range(count):
        kind = kinds[int(rng.integers(len(kinds)))]
        east, north = rng.normal(0, spread_m, 2)
        heading = rng.uniform(0, 2 * math.pi)
        coords = []
        for _ in range(int(rng.integers(2, 7))):
            coords.append(offset(*centre, east, north))
            heading += rng.normal(0, 0.6)
            step = rng.uniform(20, 400)
            east, north = east + step * math.sin(heading), north + step * math.cos(heading)
        resource = {"duct": "subduct", "fiber_cable": "fiber_core", "aerial_route": "attachment"}[
            kind
        ]
        records.append(
            make_line(
                first_id + k,
                coords,
                kind=kind,
                owner_id=int(rng.integers(1, 7)),
                status=str(rng.choice(["in_service"] * 4 + ["planned"])),
                capacity={resource: Capacity(24, int(rng.integers(0, 13)))},
            )
        )
    return records


def random_route(
    rng: np.random.Generator, centre: tuple[float, float], spread_m: float, vertices: int = 6
) -> LineString:
    """A planned route: a random walk through the cluster."""
    east, north = rng.normal(0, spread_m / 2, 2)
    heading = rng.uniform(0, 2 * math.pi)
    coords = []
    for _ in range(vertices):
        coords.append(offset(*centre, east, north))
        heading += rng.normal(0, 0.5)
        step = rng.uniform(100, 600)
        east, north = east + step * math.sin(heading), north + step * math.cos(heading)
    return LineString(coords)
