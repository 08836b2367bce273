"""Deterministic generator of a realistic demo city: Nanning (南宁), about 15 x 15 km."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator

import numpy as np

from seed_data import _city_corridors as corridors
from seed_data import _city_networks as networks
from seed_data import _city_sites as sites
from seed_data._builder import CityBuilder
from seed_data._streets import build_streets
from seed_data.geo import LocalFrame
from seed_data.orgs import HIGHWAY, MUNICIPAL, NANNING_ORGS, POWER_GRID, RAILWAY
from seed_data.spec import Feature, OrgSpec

log = logging.getLogger(__name__)

CENTRE = (108.366, 22.817)
HALF_SIDE_M = 7500.0
# Site counts at scale 1.0; the city's area grows with `scale`, so density stays the same.
COUNTS = {"tower": 380, "rooftop": 400, "indoor_system": 40, "lamp": 1000, "cabinet": 180}


def half_side(scale: float = 1.0) -> float:
    """Half the side of the city square in metres for a given scale."""
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale!r}")
    return HALF_SIDE_M * math.sqrt(scale)


def city_bbox(scale: float = 1.0) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) that contains every generated coordinate."""
    return LocalFrame(*CENTRE).bbox(half_side(scale))


def generate(seed: int = 42, scale: float = 1.0) -> tuple[list[OrgSpec], Iterator[Feature]]:
    """Organisations and a lazy stream of asset features; same seed, same output."""
    half = half_side(scale)
    return list(NANNING_ORGS), _open_some(_features(seed, scale, half))


def barriers(seed: int = 42, scale: float = 1.0) -> dict[str, list[dict]]:
    """The city's rail line and major roads as GeoJSON-like features per barrier kind (the
    planner prices new trench across them); the same seed and scale, the same lines."""
    from seed_data._city_barriers import city_barriers

    paths: dict = {}
    for _ in _features(seed, scale, half_side(scale), paths):
        pass  # the paths are laid out as the assets are generated
    return city_barriers(LocalFrame(*CENTRE), paths)


def replay_history(session_factory, matcher, seed: int = 42) -> int:
    """A year of requests, decisions and a co-build on the loaded city (once); returns how
    many build requests were replayed (0 when the history is already there)."""
    from seed_data import _city_history

    return _city_history.replay(session_factory, matcher, seed)


# Public-sector owners open every OPEN_EVERY-th of their poles, towers and ducts to telecom
# use, with published terms: the open directory of the demo city.
PUBLIC_SECTOR_OWNERS = {MUNICIPAL: "CNY", HIGHWAY: "CNY", RAILWAY: "CNY", POWER_GRID: "CNY"}
OPEN_EVERY = 4
OPEN_PRICE = {"pole": 600.0, "tower": 9000.0, "duct": 12.0}


def _open_some(features: Iterator[Feature]) -> Iterator[Feature]:
    counter = 0
    for f in features:
        props = f["properties"]
        if props["owner"] in PUBLIC_SECTOR_OWNERS and props["kind"] in OPEN_PRICE:
            counter += 1
            if counter % OPEN_EVERY == 0 and props["sensitivity"] == "public":
                props["attributes"]["open_terms"] = {
                    "price_per_unit_year": OPEN_PRICE[props["kind"]],
                    "currency": PUBLIC_SECTOR_OWNERS[props["owner"]],
                    "contact": next(o.contact for o in NANNING_ORGS if o.key == props["owner"]),
                    "conditions": "Works by certified contractors; 30 days' notice.",
                    "valid_until": "2030-12-31",
                }
        yield f


def _count(name: str, scale: float) -> int:
    return max(1, round(COUNTS[name] * scale))


def _features(seed: int, scale: float, half: float, paths: dict | None = None) -> Iterator[Feature]:
    streams = np.random.default_rng(seed).spawn(8)
    b = CityBuilder(LocalFrame(*CENTRE), streams[0])
    streets = build_streets(streams[1], half)
    if paths is not None:
        paths["streets"] = streets
    centres = sites.district_centres(streams[2], half)
    rng = streams[3]
    log.info(
        "demo city: %d street segments, %.0f km of street",
        len(streets.lengths),
        streets.lengths.sum() / 1000,
    )
    yield from sites.towers(b, rng, sites.sample_sites(rng, _count("tower", scale), half, centres))
    rooftop_xy = sites.sample_sites(rng, _count("rooftop", scale), half, centres, 0.05)
    yield from sites.rooftops(b, rng, rooftop_xy, half)
    indoor_xy = sites.sample_sites(rng, _count("indoor_system", scale), half, centres, 0.0)
    yield from sites.indoor_systems(b, rng, indoor_xy)
    yield from sites.street_lamps(b, streams[4], streets, half, _count("lamp", scale))
    rng = streams[5]
    plan = networks.plan_trenches(rng, streets, half)
    yield from networks.street_ducts(b, rng, streets, plan)
    yield from networks.manholes(b, rng, streets, plan)
    yield from networks.cabinets(b, rng, streets, plan, _count("cabinet", scale))
    rng = streams[6]
    yield from corridors.transmission_lines(b, rng, half)
    yield from corridors.pole_routes(b, rng, half, scale)
    yield from corridors.railway(b, rng, half, paths)
    yield from corridors.ring_road(b, rng, half, paths)
