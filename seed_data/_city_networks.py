"""Underground network of the demo city: ducts per street segment, cables in them, manholes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from seed_data._builder import CityBuilder
from seed_data._streets import Streets
from seed_data.capacity import blocks, cores_in_use, split_lease, used_count
from seed_data.geo import interpolate
from seed_data.orgs import CHINA_TOWER, HIGHWAY, MUNICIPAL, OPERATORS, RAILWAY
from seed_data.spec import Feature

MANHOLE_SPACING_M = 190.0
ARTERIAL_CORES = (48, 96, 96, 144, 144)
LOCAL_CORES = (12, 24, 24, 48)
# owner -> (materials, diameters in mm, sub-duct totals)
_DUCT_SPECS = {
    CHINA_TOWER: (("hdpe", "pvc"), (110,), (6, 7, 9, 12)),
    MUNICIPAL: (("concrete",), (200, 300), (4, 6, 9)),
    HIGHWAY: (("hdpe",), (110,), (6, 9)),
    RAILWAY: (("concrete",), (400,), (4, 6)),
}
_OPERATOR_SPEC = (("hdpe", "pvc"), (100, 110), (3, 4, 6))


def spread(rng: np.random.Generator, used: int, tenants: Sequence[str]) -> list[tuple[str, int]]:
    """Split `used` units between one to three of the tenants."""
    if used <= 0:
        return []
    k = int(min(len(tenants), used, rng.integers(1, 4)))
    cuts = np.sort(rng.choice(np.arange(1, used), k - 1, replace=False)) if k > 1 else []
    sizes = np.diff([0, *cuts, used])
    chosen = rng.permutation(list(tenants))[:k]
    return [(str(t), int(n)) for t, n in zip(chosen, sizes, strict=True)]


def _subducts(rng: np.random.Generator, owner: str, total: int) -> list[dict]:
    used = used_count(rng, total, 0.25, 0.3)
    if owner in OPERATORS:
        others = [op for op in OPERATORS if op != owner]
        return blocks("subduct", split_lease(rng, owner, used, others, 0.5))
    if owner in (HIGHWAY, RAILWAY):
        own = min(used, int(rng.integers(1, 3)))
        return blocks("subduct", [(owner, own), *spread(rng, used - own, OPERATORS)])
    return blocks("subduct", spread(rng, used, OPERATORS))


def cables_in(
    b: CityBuilder,
    rng: np.random.Generator,
    host: Feature,
    xy: np.ndarray,
    cable_type: str,
    cores: Sequence[int],
) -> Iterator[Feature]:
    """One cable per tenant of a duct or pole route, along the same geometry."""
    for a in host["properties"]["allocations"]:
        tenant = a["tenant"]
        total = int(rng.choice(cores))
        used = cores_in_use(rng, total)
        others = [op for op in OPERATORS if op != tenant]
        yield b.line(
            "fiber_cable",
            tenant,
            xy,
            attributes={"cable_type": cable_type},
            capacity={"fiber_core": {"total": total}},
            allocations=blocks("fiber_core", split_lease(rng, tenant, used, others, 0.25)),
        )


def duct_with_cables(
    b: CityBuilder,
    rng: np.random.Generator,
    owner: str,
    xy: np.ndarray,
    cores: Sequence[int],
    depth: float | None = None,
) -> Iterator[Feature]:
    """A duct segment of one owner and the cables its tenants pulled through it."""
    materials, diameters, totals = _DUCT_SPECS.get(owner, _OPERATOR_SPEC)
    total = int(rng.choice(totals))
    depth = round(float(rng.uniform(0.8, 1.5)), 1) if depth is None else depth
    duct = b.line(
        "duct",
        owner,
        xy,
        attributes={
            "diameter_mm": float(rng.choice(diameters)),
            "material": str(rng.choice(materials)),
            "depth_m": depth,
        },
        capacity={"subduct": {"total": total}},
        allocations=_subducts(rng, owner, total),
    )
    yield duct
    yield from cables_in(b, rng, duct, xy, "duct", cores)


def plan_trenches(rng: np.random.Generator, streets: Streets, half: float) -> list[list[str]]:
    """Duct owners of each street segment, primary owner first (empty: no ducts)."""
    r = np.minimum(np.hypot(*streets.midpoints().T) / half, 1.0)
    plan = []
    for arterial, rr in zip(streets.arterial, r, strict=True):
        if arterial:
            owners = [o for o, p in ((CHINA_TOWER, 0.6), (MUNICIPAL, 0.2)) if rng.random() < p]
            owners += [op for op in OPERATORS if rng.random() < 0.15]
            plan.append(owners or [CHINA_TOWER])
        elif rng.random() < 0.22 - 0.17 * rr:
            plan.append([str(rng.choice([*OPERATORS, CHINA_TOWER]))])
        else:
            plan.append([])
    return plan


def street_ducts(
    b: CityBuilder, rng: np.random.Generator, streets: Streets, plan: list[list[str]]
) -> Iterator[Feature]:
    """Ducts (and their cables) along every planned street segment."""
    for e, owners in enumerate(plan):
        cores = ARTERIAL_CORES if streets.arterial[e] else LOCAL_CORES
        for owner in owners:
            yield from duct_with_cables(b, rng, owner, streets.geoms[e], cores)


def manholes(
    b: CityBuilder, rng: np.random.Generator, streets: Streets, plan: list[list[str]]
) -> Iterator[Feature]:
    """Manholes at duct junctions and every ~190 m along duct segments."""
    node_owner: dict[int, str] = {}
    for e, owners in enumerate(plan):
        for node in streets.edges[e]:
            if owners:
                node_owner.setdefault(int(node), owners[0])
    for node in sorted(node_owner):
        x, y = streets.nodes[node]
        yield _manhole(b, rng, node_owner[node], x, y)
    for e, owners in enumerate(plan):
        n_mid = int(np.ceil(streets.lengths[e] / MANHOLE_SPACING_M)) - 1
        if owners and n_mid > 0:
            at = streets.lengths[e] * np.arange(1, n_mid + 1) / (n_mid + 1)
            for x, y in interpolate(streets.geoms[e], at):
                yield _manhole(b, rng, owners[0], x, y)


def _manhole(b: CityBuilder, rng: np.random.Generator, owner: str, x: float, y: float):
    depth = round(float(rng.uniform(1.2, 2.5)), 1)
    return b.point("manhole", owner, float(x), float(y), attributes={"depth_m": depth})


def cabinets(
    b: CityBuilder, rng: np.random.Generator, streets: Streets, plan: list[list[str]], n: int
) -> Iterator[Feature]:
    """Street cabinets (fiber cross-connects) beside duct junctions."""
    nodes = np.unique(streets.edges[[bool(o) for o in plan]])
    for node in rng.choice(nodes, size=min(n, len(nodes)), replace=False):
        owner = CHINA_TOWER if rng.random() < 0.15 else str(rng.choice(OPERATORS))
        angle = rng.uniform(0, 2 * np.pi)
        x, y = streets.nodes[node] + 9.0 * np.array([np.cos(angle), np.sin(angle)])
        yield b.point("cabinet", owner, float(x), float(y), attributes={})
