"""Capacity arithmetic: which units live allocations hold, and free = total - held."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.inventory.models import Allocation, AllocationUnit, Capacity, utcnow
from registry.inventory.vocabulary import AllocationState


def live_condition(now: dt.datetime | None = None):
    """SQL condition for an allocation that holds its units now: active, or an unexpired hold.

    An expired hold counts as free the moment it expires, before any job marks it. `now` may
    be a bound parameter, for a statement built once and run at different times.
    """
    now = utcnow() if now is None else now
    return sa.or_(
        Allocation.state == AllocationState.ACTIVE,
        sa.and_(
            Allocation.state == AllocationState.RESERVED,
            sa.or_(Allocation.expires_at.is_(None), Allocation.expires_at > now),
        ),
    )


def held_units_query(now: dt.datetime | None = None):
    """SELECT asset_id, resource, unit, allocation_id of every unit held right now."""
    return (
        sa.select(
            AllocationUnit.asset_id,
            AllocationUnit.resource,
            AllocationUnit.unit,
            AllocationUnit.allocation_id,
        )
        .join(Allocation, Allocation.id == AllocationUnit.allocation_id)
        .where(live_condition(now))
    )


def held_units(session: Session, asset_ids: Iterable[int], now=None) -> dict:
    """{(asset_id, resource): {unit: allocation_id}} for the given assets."""
    ids = list(asset_ids)
    out: dict = defaultdict(dict)
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        rows = session.execute(held_units_query(now).where(AllocationUnit.asset_id.in_(chunk)))
        for asset_id, resource, unit, allocation_id in rows:
            out[(asset_id, resource)][unit] = allocation_id
    return out


@dataclass(frozen=True)
class CapacityView:
    """Total, allocated and free units of one resource, with the unit map where it matters."""

    resource: str
    total: int
    held: dict[int, int]  # unit -> allocation id
    heights: tuple[float, ...] | None = None

    @property
    def allocated(self) -> int:
        return len(self.held)

    @property
    def free(self) -> int:
        return self.total - self.allocated

    def free_units(self) -> list[int]:
        return [u for u in range(1, self.total + 1) if u not in self.held]

    def as_json(self, with_units: bool = False) -> dict:
        out = {"total": self.total, "allocated": self.allocated, "free": self.free}
        if self.heights is not None:
            out["heights"] = list(self.heights)
        if with_units:
            out["units"] = [
                {"unit": u, "state": "held" if u in self.held else "free"}
                | ({"height_m": self.heights[u - 1]} if self.heights else {})
                for u in range(1, self.total + 1)
            ]
        return out


def capacity_views(session: Session, assets) -> dict[int, list[CapacityView]]:
    """Capacity views for a batch of loaded assets, with one query for all held units."""
    held = held_units(session, [a.id for a in assets])
    return {
        a.id: [
            CapacityView(
                resource=c.resource,
                total=c.total,
                held=held.get((a.id, c.resource), {}),
                heights=tuple(c.unit_heights) if c.unit_heights else None,
            )
            for c in a.capacities
        ]
        for a in assets
    }


def held_count_subquery(now: dt.datetime | None = None):
    """Correlated scalar: how many units of Capacity's asset/resource are held now.

    Counted from the live allocations of that asset/resource (ix_allocation_asset_resource)
    and their units by allocation id (an index-only count): one look at each allocation,
    where looking up the allocation of every held unit costs one look per unit (~15 per
    allocation). Units are written only by `allocations.allocate`, always on their
    allocation's own asset and resource, so both ways count the same units.
    """
    count = sa.select(sa.func.count()).select_from(Allocation)
    joined = count.join(AllocationUnit, AllocationUnit.allocation_id == Allocation.id)
    return _of_live_allocations(joined, now)


def held_listed_subquery(now: dt.datetime | None = None):
    """held_count_subquery's number from the live allocations' unit lists, without reading
    allocation_unit: `allocations.allocate` writes an allocation's list and its rows from
    one list, and only `allocations._end` makes one stop being live (deleting its rows);
    a lapsed hold is in neither count.

    On PostgreSQL the rows' count is ~15 index reads per allocation (and heap reads where
    the visibility map is behind): ~0.15 ms of a near list's one-trip query.
    """
    listed = sa.func.sum(sa.func.json_array_length(Allocation.units))
    return _of_live_allocations(sa.select(sa.func.coalesce(listed, 0)), now)


def _of_live_allocations(select: sa.Select, now):
    """`select` over the live allocations of Capacity's asset/resource, as a scalar."""
    return (
        select.where(
            Allocation.asset_id == Capacity.asset_id,
            Allocation.resource == Capacity.resource,
            live_condition(now),
        )
        .correlate(Capacity)
        .scalar_subquery()
    )


@dataclass(slots=True)
class CapacitySummary:
    """Total, allocated and free units of one resource, without the unit map (list pages).

    Not frozen, for the same reason as page_rows.AssetRow: a page makes one per capacity."""

    resource: str
    total: int
    allocated: int
    heights: tuple[float, ...] | None = None

    @property
    def free(self) -> int:
        return self.total - self.allocated

    def as_json(self) -> dict:
        out = {"total": self.total, "allocated": self.allocated, "free": self.free}
        if self.heights is not None:
            out["heights"] = list(self.heights)
        return out


def capacity_summaries(session: Session, asset_ids, now=None) -> dict[int, list[CapacitySummary]]:
    """{asset id: [CapacitySummary by resource]} for a page of assets: what capacity_views'
    `as_json()` says, from one query and no ORM objects (held units: held_count_subquery).
    """
    ids = sorted(set(asset_ids))
    out: dict[int, list[CapacitySummary]] = {i: [] for i in ids}
    held = held_count_subquery(now)
    for start in range(0, len(ids), 500):
        stmt = (
            sa.select(
                Capacity.asset_id, Capacity.resource, Capacity.total, Capacity.unit_heights, held
            )
            .where(Capacity.asset_id.in_(ids[start : start + 500]))
            .order_by(Capacity.asset_id, Capacity.resource)
        )
        for asset_id, resource, total, heights, n in session.execute(stmt):
            out[asset_id].append(
                CapacitySummary(resource, total, n, tuple(heights) if heights else None)
            )
    return out
