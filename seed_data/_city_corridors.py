"""Corridors of the demo city: transmission lines, pole routes, the railway and a ring road."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

from seed_data._builder import CityBuilder
from seed_data._city_networks import cables_in, duct_with_cables, spread
from seed_data._city_sites import tower_feature
from seed_data.capacity import blocks
from seed_data.geo import cut, interpolate, polyline_length
from seed_data.orgs import CHINA_TELECOM, CHINA_UNICOM, HIGHWAY, OPERATORS, POWER_GRID, RAILWAY
from seed_data.spec import Feature

MARGIN_M = 80.0
_LINES = (
    ("220kV Yongzhou-Shajing line (220kV 邕州—沙井线)", 220.0),
    ("110kV Qingxiu-Langdong line (110kV 青秀—琅东线)", 110.0),
)


def crossing(
    rng: np.random.Generator, half: float, north_south: bool, bends: int = 3
) -> np.ndarray:
    """A gently bent polyline crossing the city square from edge to edge."""
    lim = half - MARGIN_M
    along = np.linspace(-lim, lim, bends + 2)
    across = rng.uniform(-0.6, 0.6) * lim + np.cumsum(rng.normal(0, 0.08 * half, bends + 2))
    across = np.clip(across, -lim, lim)
    xy = np.column_stack([across, along] if north_south else [along, across])
    return interpolate(xy, np.arange(0, polyline_length(xy), 100.0))


def transmission_lines(b: CityBuilder, rng: np.random.Generator, half: float) -> Iterator[Feature]:
    """Lattice towers (which host antennas) and OPGW-carrying spans of two power lines."""
    for k, (name, kv) in enumerate(_LINES):
        path = crossing(rng, half, north_south=bool(k % 2))
        at = np.cumsum(rng.uniform(330, 420, int(polyline_length(path) / 330) + 1))
        at = np.concatenate([[0.0], at[at < polyline_length(path)]])
        for x, y in interpolate(path, at):
            height = round(float(rng.uniform(40, 55)), 1)
            yield tower_feature(
                b,
                rng,
                POWER_GRID,
                x,
                y,
                "lattice",
                height,
                int(rng.choice((3, 6))),
                round(height * 0.55, 1),
                [str(t) for t in rng.permutation(OPERATORS)],
                p_full=0.5,
            )
        for s, e in itertools.pairwise(at):
            yield from _span(b, rng, cut(path, s, e), name, kv)


def _span(b: CityBuilder, rng: np.random.Generator, xy: np.ndarray, name: str, kv: float):
    parts = [(POWER_GRID, 1)]
    if rng.random() < 0.3:
        parts.append((str(rng.choice(OPERATORS)), 1))
    span = b.line(
        "aerial_route",
        POWER_GRID,
        xy,
        attributes={"name": name, "voltage_kv": kv},
        capacity={"attachment": {"total": 2}},
        allocations=blocks("attachment", parts),
    )
    yield span
    for cable in cables_in(b, rng, span, xy, "ADSS", (24, 48)):
        if cable["properties"]["owner"] == POWER_GRID:
            cable["properties"]["attributes"]["cable_type"] = "OPGW"
        yield cable


def _walk(rng: np.random.Generator, half: float, steps: int, step: float = 50.0) -> np.ndarray:
    """A wandering pole line from the outskirts, stopped where it would leave the city."""
    ang0 = rng.uniform(0, 2 * np.pi)
    start = rng.uniform(0.45, 0.8) * half * np.array([np.cos(ang0), np.sin(ang0)])
    heading = ang0 + np.pi / 2 + rng.normal(0, 0.5)
    headings = heading + np.cumsum(rng.normal(0, np.radians(4), steps))
    xy = start + np.cumsum(step * np.column_stack([np.cos(headings), np.sin(headings)]), axis=0)
    xy = np.vstack([start, xy])
    outside = np.flatnonzero(np.any(np.abs(xy) > half - MARGIN_M, axis=1))
    return xy[: outside[0]] if len(outside) else xy


def pole_routes(
    b: CityBuilder, rng: np.random.Generator, half: float, scale: float
) -> Iterator[Feature]:
    """Four 10 kV power pole lines and two telecom pole lines, with aerial cables."""
    owners = [POWER_GRID] * 4 + [CHINA_TELECOM, CHINA_UNICOM]
    for owner in owners:
        xy = _walk(rng, half, int(rng.integers(40, 70) * np.sqrt(scale)) + 2)
        for start in range(0, len(xy) - 1, 6):
            yield from _pole_route(b, rng, owner, xy[start : start + 7], first=start == 0)


def _pole_route(
    b: CityBuilder, rng: np.random.Generator, owner: str, xy: np.ndarray, first: bool
) -> Iterator[Feature]:
    power = owner == POWER_GRID
    total = 4 if power else 6
    tenants = [op for op in OPERATORS if op != owner]
    parts = ([] if power else [(owner, 1)]) + spread(rng, int(rng.integers(0, 3)), tenants)
    allocations = blocks("attachment", parts)
    attrs = {"name": f"{'10kV' if power else 'Telecom'} pole line"}
    route = b.line(
        "aerial_route",
        owner,
        xy,
        attributes=attrs,
        capacity={"attachment": {"total": total}},
        allocations=allocations,
    )
    yield route
    for x, y in xy[0 if first else 1 :]:
        height = round(float(rng.uniform(10, 12) if power else rng.uniform(7, 9)), 1)
        material = "concrete" if power or rng.random() < 0.5 else "wood"
        yield b.point(
            "pole",
            owner,
            float(x),
            float(y),
            allocations=allocations,
            capacity={"attachment": {"total": total}},
            attributes={
                "height_m": height,
                "material": material,
                "use": "power" if power else "telecom",
            },
        )
    yield from cables_in(b, rng, route, xy, "aerial", (12, 24, 48))


def railway(
    b: CityBuilder, rng: np.random.Generator, half: float, paths: dict | None = None
) -> Iterator[Feature]:
    """The rail corridor: cable-trough segments with cables, and GSM-R masts beside it (the
    trough's path goes into `paths["rail"]`, for the barriers)."""
    path = crossing(rng, half, north_south=False, bends=4)
    if paths is not None:
        paths["rail"] = path
    length = polyline_length(path)
    for s in np.arange(0, length - 1.0, 500.0):
        yield from duct_with_cables(
            b, rng, RAILWAY, cut(path, s, min(s + 500.0, length)), (48, 96), depth=0.3
        )
    for x, y in interpolate(path, np.arange(800.0, length, 2500.0)):
        height = round(float(rng.uniform(30, 40)), 1)
        yield tower_feature(
            b,
            rng,
            RAILWAY,
            x,
            y + 40.0,
            "lattice",
            height,
            6,
            height - 1,
            [RAILWAY, *map(str, rng.permutation(OPERATORS))],
        )


def ring_road(
    b: CityBuilder, rng: np.random.Generator, half: float, paths: dict | None = None
) -> Iterator[Feature]:
    """Ducts along 300 degrees of a ring expressway, in ~500 m segments (the duct's path goes
    into `paths["ring"]`)."""
    radius = 0.82 * half
    a0 = rng.uniform(0, 2 * np.pi)
    angles = a0 + np.arange(0, np.radians(300), 100.0 / radius)
    r = radius + np.cumsum(rng.normal(0, 4.0, len(angles)))
    path = np.column_stack([r * np.cos(angles), r * np.sin(angles)])
    if paths is not None:
        paths["ring"] = path
    length = polyline_length(path)
    for s in np.arange(0, length - 1.0, 500.0):
        yield from duct_with_cables(
            b, rng, HIGHWAY, cut(path, s, min(s + 500.0, length)), (24, 48, 96)
        )
