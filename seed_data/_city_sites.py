"""Radio sites of the demo city: towers, rooftops, indoor systems and street-lamp poles."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from seed_data._builder import CityBuilder
from seed_data._streets import Streets
from seed_data.capacity import blocks, by_platform, mounts, platform_heights, used_count
from seed_data.geo import interpolate
from seed_data.orgs import CHINA_TOWER, MUNICIPAL, OPERATORS
from seed_data.spec import Feature

P_FULL, P_NEARLY = 0.55, 0.17  # ~72 % of sites full or one position short

_AREAS = (
    "Minzu",
    "Chaoyang",
    "Qingxiu",
    "Wuxiang",
    "Jinhu",
    "Nanhu",
    "Langdong",
    "Xianhu",
    "Dongge",
    "Yuanhu",
    "Beihu",
    "Anji",
    "Xixiangtang",
    "Jiangnan",
    "Tinghong",
    "Baisha",
)
_BUILDINGS = ("Tower", "Plaza", "Building", "Mansion", "Center", "Hotel", "Apartments")
_VENUES = (
    "Metro Station",
    "Shopping Mall",
    "Hospital",
    "Exhibition Hall",
    "Stadium",
    "University Library",
    "Underground Car Park",
)
_STRUCTURES = ("monopole", "lattice", "guyed", "other")
_STRUCTURE_P = (0.5, 0.35, 0.07, 0.08)
_HEIGHTS = {"monopole": (25, 35), "lattice": (35, 50), "guyed": (40, 60), "other": (15, 25)}
_MOUNTS = {"monopole": (3, 6, 9), "lattice": (6, 9, 12), "guyed": (3, 6), "other": (3, 6)}


def district_centres(rng: np.random.Generator, half: float) -> np.ndarray:
    """(k, 4) rows of x, y, sigma, weight: downtown plus five sub-centres."""
    ang = rng.uniform(0, 2 * np.pi, 5)
    rad = rng.uniform(0.3, 0.7, 5) * half
    subs = np.column_stack(
        [rad * np.cos(ang), rad * np.sin(ang), np.full(5, 0.12 * half), np.full(5, 0.10)]
    )
    return np.vstack([[0.0, 0.0, 0.22 * half, 0.35], subs])


def sample_sites(
    rng: np.random.Generator, n: int, half: float, centres: np.ndarray, p_uniform: float = 0.15
) -> np.ndarray:
    """`n` clustered positions (local metres) inside the city square."""
    m = 3 * n + 16
    weights = np.append(centres[:, 3], p_uniform)
    comp = rng.choice(len(weights), size=m, p=weights / weights.sum())
    xy = rng.uniform(-half, half, (m, 2))
    clustered = comp < len(centres)
    c = centres[comp[clustered]]
    xy[clustered] = c[:, :2] + rng.normal(0, 1, (clustered.sum(), 2)) * c[:, 2:3]
    inside = np.all(np.abs(xy) <= half - 30.0, axis=1)
    return xy[inside][:n]


def _tenants(rng: np.random.Generator, owner: str) -> list[str]:
    """Platform order: the owner first if it is an operator, then the others shuffled."""
    others = [str(t) for t in rng.permutation([op for op in OPERATORS if op != owner])]
    return [owner, *others] if owner in OPERATORS else others


def tower_feature(
    b: CityBuilder,
    rng: np.random.Generator,
    owner: str,
    x: float,
    y: float,
    structure: str,
    height: float,
    total: int,
    mount_top: float,
    tenants: Sequence[str],
    p_full: float = P_FULL,
) -> Feature:
    """One tower with platform-filled antenna mounts."""
    used = used_count(rng, total, p_full, P_NEARLY)
    return b.point(
        "tower",
        owner,
        x,
        y,
        attributes={"height_m": float(height), "structure": structure},
        capacity={"antenna_mount": mounts(total, platform_heights(mount_top, total))},
        allocations=by_platform("antenna_mount", used, tenants),
    )


def towers(b: CityBuilder, rng: np.random.Generator, xy: np.ndarray) -> Iterator[Feature]:
    """Tower-company towers, with some operator-built ones."""
    for x, y in xy:
        owner = CHINA_TOWER if rng.random() < 0.8 else str(rng.choice(OPERATORS))
        structure = str(rng.choice(_STRUCTURES, p=_STRUCTURE_P))
        height = round(float(rng.uniform(*_HEIGHTS[structure])) * 2) / 2
        choices = _MOUNTS[structure] if owner == CHINA_TOWER else (3, 6)
        total = int(rng.choice(choices))
        yield tower_feature(
            b, rng, owner, x, y, structure, height, total, height - 1, _tenants(rng, owner)
        )


def rooftops(
    b: CityBuilder, rng: np.random.Generator, xy: np.ndarray, half: float
) -> Iterator[Feature]:
    """Rooftop sites on buildings, taller downtown."""
    for k, (x, y) in enumerate(xy):
        owner = CHINA_TOWER if rng.random() < 0.4 else str(rng.choice(OPERATORS))
        r = np.hypot(x, y) / half
        height = round(18 + rng.uniform(0.2, 1.0) * 110 * np.exp(-2.5 * r), 1)
        name = f"{rng.choice(_AREAS)} {rng.choice(_BUILDINGS)} {k % 9 + 1}"
        total = int(rng.integers(3, 7))
        used = used_count(rng, total, P_FULL, P_NEARLY)
        yield b.point(
            "rooftop",
            owner,
            x,
            y,
            attributes={"height_m": float(height), "building_name": name},
            capacity={"antenna_mount": mounts(total, [round(height + 3, 1)] * total)},
            allocations=by_platform("antenna_mount", used, _tenants(rng, owner), 1),
        )


def indoor_systems(b: CityBuilder, rng: np.random.Generator, xy: np.ndarray) -> Iterator[Feature]:
    """Shared indoor distribution systems, one source port per operator."""
    for x, y in xy:
        owner = CHINA_TOWER if rng.random() < 0.6 else str(rng.choice(OPERATORS))
        venue = f"{rng.choice(_AREAS)} {rng.choice(_VENUES)}"
        used = used_count(rng, 3, 0.5, 0.3)
        yield b.point(
            "indoor_system",
            owner,
            x,
            y,
            attributes={"venue": venue},
            capacity={"antenna_mount": mounts(3)},
            allocations=by_platform("antenna_mount", used, _tenants(rng, owner), 1),
        )


def _lamp(b: CityBuilder, rng: np.random.Generator, x: float, y: float) -> Feature:
    height = round(float(rng.uniform(8, 12)) * 2) / 2
    capacity = {"attachment": {"total": 2}}
    attached = int(rng.integers(0, 3))
    allocations = blocks("attachment", [(MUNICIPAL, 1), (str(rng.choice(OPERATORS)), 1)][:attached])
    if rng.random() < 0.2:  # smart pole with small-cell positions
        total = int(rng.integers(2, 4))
        capacity["antenna_mount"] = mounts(total, ([height - 0.5] * 2 + [height - 1.5])[:total])
        used = used_count(rng, total, P_FULL, P_NEARLY)
        allocations += by_platform("antenna_mount", used, _tenants(rng, MUNICIPAL), 1)
    use = "lighting" if rng.random() < 0.85 else "traffic"
    material = "steel" if rng.random() < 0.9 else "composite"
    return b.point(
        "pole",
        MUNICIPAL,
        x,
        y,
        capacity=capacity,
        allocations=allocations,
        attributes={"height_m": height, "material": material, "use": use},
    )


def street_lamps(
    b: CityBuilder,
    rng: np.random.Generator,
    streets: Streets,
    half: float,
    n: int,
    spacing: float = 38.0,
    offset: float = 11.0,
) -> Iterator[Feature]:
    """Municipal lamp poles, staggered on both sides of central streets."""
    r = np.hypot(*streets.midpoints().T) / half
    order = np.argsort(r + rng.uniform(0, 0.6, len(r)) - 0.3 * streets.arterial)
    made = 0
    for e in order:
        g = streets.geoms[e]
        d = g[-1] - g[0]
        normal = np.array([-d[1], d[0]]) / max(np.hypot(*d), 1e-9)
        for i, s in enumerate(np.arange(spacing / 2, streets.lengths[e], spacing)):
            if made >= n:
                return
            p = interpolate(g, np.array([s]))[0] + normal * offset * (1 if i % 2 else -1)
            yield _lamp(b, rng, float(p[0]), float(p[1]))
            made += 1
