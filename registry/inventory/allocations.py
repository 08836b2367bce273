"""Allocation services: hold units of a resource, activate, release and expire, never overbooking.

Every allocation first locks the capacity row it draws from (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers at BEGIN IMMEDIATE). The allocation_unit primary key
(asset, resource, unit) is the backstop: a unit can be held by one live allocation only.
"""

from __future__ import annotations

import datetime as dt
import math

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from registry.db.uow import UnitOfWork
from registry.errors import (
    CapacityExhausted,
    IllegalTransition,
    NotFound,
    UnitUnavailable,
    ValidationFailed,
)
from registry.inventory.capacity import held_units
from registry.inventory.models import Allocation, AllocationUnit, Capacity, utcnow
from registry.inventory.vocabulary import AllocationState

ENDED = (AllocationState.RELEASED, AllocationState.EXPIRED)


def allocation_snapshot(a: Allocation) -> dict:
    """The audit/JSON view of an allocation."""
    return {
        "id": a.id,
        "asset_id": a.asset_id,
        "resource": a.resource,
        "tenant_id": a.tenant_id,
        "state": a.state,
        "units": list(a.units),
        "expires_at": a.expires_at.isoformat() if a.expires_at else None,
        "agreement_ref": a.agreement_ref,
        "sharing_mode": a.sharing_mode,
    }


def lock_capacity(uow: UnitOfWork, asset_id: int, resource: str) -> Capacity:
    """Lock and return the capacity row that an allocation draws from."""
    stmt = (
        sa.select(Capacity)
        .where(Capacity.asset_id == asset_id, Capacity.resource == resource)
        .with_for_update()
    )
    cap = uow.session.scalars(stmt).one_or_none()
    if cap is None:
        raise NotFound(f"asset {asset_id} has no {resource} capacity", field="resource")
    return cap


def sweep_expired(uow: UnitOfWork, asset_id: int, resource: str, now: dt.datetime) -> int:
    """Mark this resource's lapsed holds expired and free their units (under the lock).

    Returns how many holds it expired.
    """
    stmt = sa.select(Allocation).where(
        Allocation.asset_id == asset_id,
        Allocation.resource == resource,
        Allocation.state == AllocationState.RESERVED,
        Allocation.expires_at <= now,
    )
    lapsed = list(uow.session.scalars(stmt))
    for alloc in lapsed:
        _end(uow, alloc, AllocationState.EXPIRED, "hold expired", now)
    return len(lapsed)


def _choose_units(cap: Capacity, held: dict, units, count, min_height_m) -> list[int]:
    free = [u for u in range(1, cap.total + 1) if u not in held]
    if min_height_m is not None:
        heights = cap.unit_heights or []
        free = [u for u in free if u <= len(heights) and heights[u - 1] >= min_height_m]
    if units is not None:
        bad = [u for u in units if not 1 <= u <= cap.total]
        if bad:
            raise ValidationFailed("units", f"unit {bad[0]} does not exist (1..{cap.total})")
        taken = [u for u in units if u in held]
        if taken:
            raise UnitUnavailable(f"{cap.resource} unit {taken[0]} is already held", field="units")
        return sorted(units)
    if count > len(free):
        raise CapacityExhausted(
            f"{count} {cap.resource} units requested, {len(free)} free"
            + (f" at >= {min_height_m:g} m" if min_height_m is not None else ""),
            field="count",
        )
    return free[:count]


def _check_request(units, count) -> None:
    if (units is None) == (count is None):
        raise ValidationFailed("units", "give either units (a list) or count, not both")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValidationFailed("count", "must be a whole number of at least 1")
    if units is not None:
        if not units or not all(isinstance(u, int) and not isinstance(u, bool) for u in units):
            raise ValidationFailed("units", "must be a non-empty list of unit numbers")
        if len(set(units)) != len(units):
            raise ValidationFailed("units", "lists a unit twice")


def allocate(
    uow: UnitOfWork,
    asset_id: int,
    resource: str,
    tenant_id: int,
    *,
    units=None,
    count=None,
    state=AllocationState.ACTIVE,
    expires_at=None,
    min_height_m=None,
    sharing_mode=None,
    agreement_ref=None,
    commit=True,
) -> Allocation:
    """Hold `units` (by number) or `count` units of a resource for a tenant; returns it.

    Raises CapacityExhausted or UnitUnavailable (409) when the units are not free.
    """
    _check_request(units, count)
    if min_height_m is not None and not math.isfinite(min_height_m):
        raise ValidationFailed("min_height_m", "must be a finite number")
    now = utcnow()
    cap = lock_capacity(uow, asset_id, resource)
    sweep_expired(uow, asset_id, resource, now)
    held = held_units(uow.session, [asset_id], now).get((asset_id, resource), {})
    chosen = _choose_units(cap, held, units, count, min_height_m)
    alloc = Allocation(
        asset_id=asset_id,
        resource=resource,
        tenant_id=tenant_id,
        state=str(state),
        units=chosen,
        expires_at=expires_at,
        sharing_mode=sharing_mode,
        agreement_ref=agreement_ref,
        created_at=now,
    )
    uow.session.add(alloc)
    uow.session.flush()
    uow.session.add_all(
        AllocationUnit(asset_id=asset_id, resource=resource, unit=u, allocation_id=alloc.id)
        for u in chosen
    )
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise UnitUnavailable(
            f"a {resource} unit was taken concurrently; retry", field="units"
        ) from None
    uow.changed(asset_id, "allocation", "create")
    uow.audit("allocation", alloc.id, "create", after=allocation_snapshot(alloc))
    if commit:
        uow.commit()
    return alloc


def get_allocation(uow: UnitOfWork, allocation_id: int) -> Allocation:
    """The allocation with this id, or NotFound."""
    alloc = uow.session.get(Allocation, allocation_id)
    if alloc is None:
        raise NotFound(f"allocation {allocation_id} does not exist", field="id")
    return alloc


def _end(uow, alloc: Allocation, state, reason, now) -> None:
    before = allocation_snapshot(alloc)
    alloc.state = str(state)
    alloc.ended_at = now
    uow.session.execute(sa.delete(AllocationUnit).where(AllocationUnit.allocation_id == alloc.id))
    uow.changed(alloc.asset_id, "allocation", str(state))
    uow.audit(
        "allocation",
        alloc.id,
        str(state),
        before=before,
        after=allocation_snapshot(alloc),
        reason=reason,
    )


def end_allocation(
    uow: UnitOfWork, allocation_id: int, state=AllocationState.RELEASED, reason=None, commit=True
) -> Allocation:
    """Release (or expire) a live allocation and free its units; returns it."""
    alloc = get_allocation(uow, allocation_id)
    lock_capacity(uow, alloc.asset_id, alloc.resource)
    if alloc.state in ENDED:
        raise IllegalTransition(
            f"allocation {allocation_id} is {alloc.state} already",
            field="state",
            current_state=alloc.state,
        )
    _end(uow, alloc, state, reason, utcnow())
    if commit:
        uow.commit()
    return alloc


def activate_allocation(
    uow: UnitOfWork, allocation_id: int, sharing_mode=None, agreement_ref=None, commit=True
) -> Allocation:
    """Turn an unexpired hold into an active allocation (no expiry); returns it.

    Raises IllegalTransition when it is not a hold, or the hold has lapsed.
    """
    alloc = get_allocation(uow, allocation_id)
    now = utcnow()
    lock_capacity(uow, alloc.asset_id, alloc.resource)
    sweep_expired(uow, alloc.asset_id, alloc.resource, now)
    if alloc.state != AllocationState.RESERVED:
        raise IllegalTransition(
            f"allocation {allocation_id} is {alloc.state}; only a hold can become active",
            field="state",
            current_state=alloc.state,
        )
    before = allocation_snapshot(alloc)
    alloc.state = str(AllocationState.ACTIVE)
    alloc.expires_at = None
    alloc.sharing_mode = sharing_mode
    alloc.agreement_ref = agreement_ref
    uow.changed(alloc.asset_id, "allocation", str(AllocationState.ACTIVE))
    uow.audit(
        "allocation",
        alloc.id,
        str(AllocationState.ACTIVE),
        before=before,
        after=allocation_snapshot(alloc),
    )
    if commit:
        uow.commit()
    return alloc


def expire_holds(uow: UnitOfWork, now: dt.datetime | None = None) -> int:
    """Mark every lapsed hold expired; returns how many. Idempotent."""
    now = now or utcnow()
    # Lock capacities in one global order, so two jobs (or a job and a two-sided core
    # swap) can never wait for each other's locks.
    stmt = (
        sa.select(Allocation.asset_id, Allocation.resource)
        .where(Allocation.state == AllocationState.RESERVED, Allocation.expires_at <= now)
        .distinct()
        .order_by(Allocation.asset_id, Allocation.resource)
    )
    pairs = uow.session.execute(stmt).all()
    count = 0
    for asset_id, resource in pairs:
        lock_capacity(uow, asset_id, resource)
        count += sweep_expired(uow, asset_id, resource, now)
    uow.commit()
    return count
