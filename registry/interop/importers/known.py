"""What tenants hold on an owner's assets: an import may not take capacity away from them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.inventory.capacity import held_units_query
from registry.inventory.models import Asset


def held_by_tenants(session: Session, owner_id: int) -> dict[int, dict[str, tuple[int, int]]]:
    """{asset id: {resource: (units held, highest unit held)}} of the owner's held assets."""
    held = held_units_query().subquery()
    owned = sa.select(Asset.id).where(Asset.owner_id == owner_id)
    stmt = (
        sa.select(held.c.asset_id, held.c.resource, sa.func.count(), sa.func.max(held.c.unit))
        .where(held.c.asset_id.in_(owned))
        .group_by(held.c.asset_id, held.c.resource)
    )
    out: dict[int, dict[str, tuple[int, int]]] = {}
    for asset_id, resource, count, highest in session.execute(stmt):
        out.setdefault(asset_id, {})[resource] = (count, highest)
    return out


def held_conflict(held: dict, capacity: dict) -> tuple[str, str] | None:
    """Mirror of services.assets._sync_capacity: never below what tenants hold."""
    for resource, (count, highest) in sorted(held.items()):
        if resource not in capacity:
            return f"properties.capacity.{resource}", (
                f"{count} {resource} units are held; release them first"
            )
        if capacity[resource]["total"] < highest:
            return f"properties.capacity.{resource}.total", (
                f"unit {highest} of {resource} is held; total cannot go below {highest}"
            )
    return None
