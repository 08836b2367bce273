"""Helpers that turn occupancy numbers into capacities and numbered-unit allocations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from seed_data.spec import allocation


def used_count(rng: np.random.Generator, total: int, p_full: float, p_nearly: float) -> int:
    """How many of `total` units are taken: full, one free, or anything below that."""
    u = rng.random()
    if u < p_full or total <= 1:
        return total
    if u < p_full + p_nearly:
        return total - 1
    return int(rng.integers(0, total - 1))


def blocks(resource: str, parts: Sequence[tuple[str, int]], start: int = 1) -> list[dict[str, Any]]:
    """Allocate consecutive units to tenants in order; a tenant's blocks are merged."""
    held: dict[str, list[int]] = {}
    n = start
    for tenant, k in parts:
        if k > 0:
            held.setdefault(tenant, []).extend(range(n, n + k))
            n += k
    return [allocation(t, resource, units) for t, units in held.items()]


def by_platform(resource: str, used: int, tenants: Sequence[str], per: int = 3) -> list[dict]:
    """Fill `used` positions from the top, one tenant per platform of `per` positions."""
    parts = []
    for p in range(-(-used // per)):
        parts.append((tenants[p % len(tenants)], min(per, used - p * per)))
    return blocks(resource, parts)


def platform_heights(top: float, total: int, per: int = 3, step: float = 3.0) -> list[float]:
    """Mount heights, `per` positions per platform, platforms `step` metres apart."""
    return [round(top - (i // per) * step, 1) for i in range(total)]


def mounts(total: int, heights: Sequence[float] | None = None) -> dict[str, Any]:
    """An antenna_mount capacity entry."""
    entry: dict[str, Any] = {"total": int(total)}
    if heights is not None:
        entry["heights"] = [float(h) for h in heights]
    return entry


def cores_in_use(rng: np.random.Generator, total: int, p_mostly_used: float = 0.35) -> int:
    """Cores taken on a cable: some cables nearly exhausted, most partly used."""
    if rng.random() < p_mostly_used:
        return round(total * float(rng.uniform(0.8, 1.0)))
    return max(1, round(total * float(rng.uniform(0.1, 0.7))))


def split_lease(
    rng: np.random.Generator, owner: str, used: int, lessees: Sequence[str], p_lease: float
) -> list[tuple[str, int]]:
    """Split taken units between the owner and, sometimes, one lessee (core/sub-duct lease)."""
    if used >= 2 and lessees and rng.random() < p_lease:
        leased = int(rng.integers(1, used // 2 + 1))
        lessee = lessees[int(rng.integers(len(lessees)))]
        return [(owner, used - leased), (lessee, leased)]
    return [(owner, used)]
