"""Column generators of the benchmark: kinds, owners, capacities, occupancy, sensitivity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seed_data.orgs import (
    CHINA_TOWER,
    HIGHWAY,
    MUNICIPAL,
    NANNING_ORGS,
    OPERATORS,
    POWER_GRID,
    RAILWAY,
)
from seed_data.spec import KINDS, RESOURCES, SENSITIVITIES, STATUSES

OWNERS: tuple[str, ...] = tuple(org.key for org in NANNING_ORGS)
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
RESOURCE_CODE = {res: code for code, res in enumerate(RESOURCES)}  # -1: no resource
NO_RESOURCE = -1
P_FULL, P_NEARLY = 0.55, 0.17  # ~72 % of site assets have no or one free position

POINT_KIND_P = {
    "tower": 0.12,
    "pole": 0.45,
    "manhole": 0.22,
    "cabinet": 0.07,
    "rooftop": 0.12,
    "indoor_system": 0.02,
}
LINE_KIND_P = {"duct": 0.45, "aerial_route": 0.10, "fiber_cable": 0.45}
_OPS = dict.fromkeys(OPERATORS, 1.0)
_OWNER_W = {  # relative owner weights per kind
    "tower": {CHINA_TOWER: 7.5, POWER_GRID: 0.6, RAILWAY: 0.15, **_OPS},
    "pole": {MUNICIPAL: 5.0, POWER_GRID: 4.0, **_OPS},
    "manhole": {CHINA_TOWER: 2.0, MUNICIPAL: 2.0, **_OPS},
    "cabinet": {CHINA_TOWER: 0.5, **_OPS},
    "rooftop": {CHINA_TOWER: 2.0, **_OPS},
    "indoor_system": {CHINA_TOWER: 3.0, **_OPS},
    "duct": {CHINA_TOWER: 3.0, MUNICIPAL: 1.5, HIGHWAY: 0.3, RAILWAY: 0.2, **_OPS},
    "aerial_route": {POWER_GRID: 3.0, **_OPS},
    "fiber_cable": {POWER_GRID: 0.2, RAILWAY: 0.1, HIGHWAY: 0.1, **_OPS},
}
_HEIGHT_RANGE = {"tower": (20, 50), "pole": (6, 15), "rooftop": (15, 120), "indoor_system": (3, 10)}
_TOTALS = {
    "tower": (3, 6, 9, 12),
    "rooftop": (3, 4, 5, 6),
    "indoor_system": (3,),
    "duct": (3, 4, 6, 7, 9, 12),
    "aerial_route": (4, 6),
    "fiber_cable": (12, 24, 48, 96, 144, 288),
}
_STATUS_P = {"planned": 0.025, "in_service": 0.96, "decommissioned": 0.015}
_RESTRICTED_BY_SECTOR = {"power": (0.68, 0.08), "rail": (0.72, 0.10), "highway": (0.3, 0.02)}


@dataclass(frozen=True)
class Columns:
    """Per-asset columns shared by points and lines; row i is one asset."""

    ids: np.ndarray  # int64, unique over points and lines
    kind: np.ndarray  # int8 index into spec.KINDS
    owner: np.ndarray  # int8 index into OWNERS
    resource: np.ndarray  # int8 index into spec.RESOURCES, -1 for none
    total: np.ndarray  # int16 units of that resource
    free: np.ndarray  # int16 units not held by any allocation
    status: np.ndarray  # int8 index into spec.STATUSES
    sensitivity: np.ndarray  # int8 index into spec.SENSITIVITIES


def _choose(rng: np.random.Generator, table: dict[str, float], n: int) -> np.ndarray:
    keys = list(table)
    p = np.array([table[k] for k in keys], dtype=float)
    return rng.choice(len(keys), size=n, p=p / p.sum())


def make_columns(rng: np.random.Generator, ids: np.ndarray, kind_p: dict[str, float]) -> Columns:
    n = len(ids)
    names = list(kind_p)
    kind_local = _choose(rng, kind_p, n)
    kind = np.array([KIND_CODE[k] for k in names], dtype=np.int8)[kind_local]
    owner = np.zeros(n, dtype=np.int8)
    resource = np.full(n, NO_RESOURCE, dtype=np.int8)
    total = np.zeros(n, dtype=np.int16)
    for i, name in enumerate(names):
        mask = kind_local == i
        weights = _OWNER_W[name]
        codes = np.array([OWNERS.index(o) for o in weights], dtype=np.int8)
        owner[mask] = codes[_choose(rng, weights, int(mask.sum()))]
        resource[mask], total[mask] = _capacity(rng, name, int(mask.sum()))
    free = _free(rng, kind, total)
    status = _choose(rng, _STATUS_P, n)
    status_code = np.array([STATUSES.index(s) for s in _STATUS_P], dtype=np.int8)[status]
    return Columns(ids, kind, owner, resource, total, free, status_code, _sensitivity(rng, owner))


def _capacity(rng: np.random.Generator, kind: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Resource code and total for `n` assets of one kind; poles: 25 % smart poles."""
    if kind == "pole":
        smart = rng.random(n) < 0.25
        res = np.where(smart, RESOURCE_CODE["antenna_mount"], RESOURCE_CODE["attachment"])
        return res, np.where(smart, rng.integers(2, 4, n), rng.integers(2, 5, n))
    if kind not in _TOTALS:
        return np.full(n, NO_RESOURCE), np.zeros(n)
    resource = {"duct": "subduct", "aerial_route": "attachment", "fiber_cable": "fiber_core"}.get(
        kind, "antenna_mount"
    )
    return np.full(n, RESOURCE_CODE[resource]), rng.choice(_TOTALS[kind], size=n)


def _free(rng: np.random.Generator, kind: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Free units: sites mostly full, ducts partly free, cables anywhere from full to light."""
    n = len(total)
    u = rng.random(n)
    partial = rng.integers(2, np.maximum(total, 2) + 1)
    free = np.where(u < P_FULL, 0, np.where(u < P_FULL + P_NEARLY, 1, partial))
    duct = kind == KIND_CODE["duct"]
    free[duct] = rng.integers(0, total[duct] // 2 + 2)
    cable = kind == KIND_CODE["fiber_cable"]
    used = np.where(
        rng.random(int(cable.sum())) < 0.35,
        rng.uniform(0.8, 1.0, int(cable.sum())),
        rng.uniform(0.1, 0.7, int(cable.sum())),
    )
    free[cable] = total[cable] - np.round(total[cable] * used)
    return np.clip(free, 0, total).astype(np.int16)


def make_heights(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    height = np.full(len(kind), np.nan, dtype=np.float32)
    for name, (lo, hi) in _HEIGHT_RANGE.items():
        mask = kind == KIND_CODE[name]
        height[mask] = np.round(rng.uniform(lo, hi, int(mask.sum())) * 2) / 2
    return height


def _sensitivity(rng: np.random.Generator, owner: np.ndarray) -> np.ndarray:
    sector = {org.key: org.sector for org in NANNING_ORGS}
    restricted = np.array([_RESTRICTED_BY_SECTOR.get(sector[o], (0.04, 0.01)) for o in OWNERS])
    r, c = restricted[owner, 0], restricted[owner, 1]
    u = rng.random(len(owner))
    code = {name: SENSITIVITIES.index(name) for name in SENSITIVITIES}
    out = np.where(u < c + r, code["restricted"], code["public"])
    return np.where(u < c, code["confidential"], out).astype(np.int8)
