"""The allocations behind a share request: placed, locked and ended in one global order."""

from __future__ import annotations

from dataclasses import dataclass

from registry.db.uow import UnitOfWork
from registry.errors import ValidationFailed
from registry.inventory import allocations
from registry.inventory.models import Allocation
from registry.inventory.vocabulary import AllocationState, Kind, Resource, Status
from registry.workflow.models import ShareRequest
from registry.workflow.parties import visible_asset


@dataclass(frozen=True)
class UnitAsk:
    """Units wanted on one asset: by number (`units`) or by `count`, mounts at a height."""

    asset_id: int
    resource: str
    units: tuple[int, ...] | None = None
    count: int | None = None
    min_height_m: float | None = None

    @property
    def size(self) -> int:
        return len(self.units) if self.units is not None else (self.count or 0)


def check_ask(asset, ask: UnitAsk, requester: int) -> None:
    """What no request may ask: one's own asset, a decommissioned one, heights off mounts."""
    if asset.owner_id == requester:
        raise ValidationFailed("asset_id", "is the requester's own asset; no request is needed")
    if asset.status == Status.DECOMMISSIONED:
        raise ValidationFailed("asset_id", f"asset {asset.id} is decommissioned")
    if ask.min_height_m is not None and ask.resource != Resource.ANTENNA_MOUNT:
        raise ValidationFailed("min_height_m", "applies to antenna_mount only")


def check_swap(uow: UnitOfWork, ask: UnitAsk, swap: UnitAsk, requester: int) -> None:
    """A core swap trades N cores of the owner's cable for N cores of the requester's."""
    if ask.resource != Resource.FIBER_CORE or swap.resource != Resource.FIBER_CORE:
        raise ValidationFailed("swap.resource", "a core swap exchanges fiber_core units only")
    cable = visible_asset(uow, swap.asset_id, field="swap.asset_id")
    if cable.kind != Kind.FIBER_CABLE or cable.owner_id != requester:
        raise ValidationFailed("swap.asset_id", "must be a fiber cable of the requester")
    if cable.id == ask.asset_id:
        raise ValidationFailed("swap.asset_id", "must be another cable than asset_id")
    if swap.size != ask.size:
        raise ValidationFailed(
            "swap", f"a swap exchanges equal numbers: {ask.size} asked, {swap.size} offered"
        )


def place_holds(uow, legs: list[tuple[UnitAsk, int]], expires_at) -> list[Allocation]:
    """One reserved allocation per (ask, tenant), taking capacity locks in global order."""
    order = sorted(range(len(legs)), key=lambda i: (legs[i][0].asset_id, legs[i][0].resource))
    placed: dict[int, Allocation] = {}
    for i in order:
        ask, tenant = legs[i]
        placed[i] = allocations.allocate(
            uow,
            ask.asset_id,
            ask.resource,
            tenant,
            units=list(ask.units) if ask.units is not None else None,
            count=ask.count,
            state=AllocationState.RESERVED,
            expires_at=expires_at,
            min_height_m=ask.min_height_m,
            commit=False,
        )
    return [placed[i] for i in range(len(legs))]


def allocation_ids(sr: ShareRequest) -> list[int]:
    """The request's allocations: its hold and, for a core swap, the owner's hold."""
    return [a for a in (sr.allocation_id, sr.swap_allocation_id) if a is not None]


def lock_capacities(uow: UnitOfWork, sr: ShareRequest) -> None:
    """Lock every capacity row the request draws from, sorted by (asset, resource)."""
    legs = {(sr.asset_id, sr.resource)}
    if sr.swap_asset_id is not None:
        legs.add((sr.swap_asset_id, Resource.FIBER_CORE.value))
    for asset_id, resource in sorted(legs):
        allocations.lock_capacity(uow, asset_id, resource)


def end_holds(uow: UnitOfWork, sr: ShareRequest, state: AllocationState, reason: str) -> None:
    """End the request's live allocations; a hold already swept as expired is left alone."""
    lock_capacities(uow, sr)
    for allocation_id in allocation_ids(sr):
        alloc = uow.session.get(Allocation, allocation_id)
        if alloc is not None and alloc.state not in allocations.ENDED:
            allocations.end_allocation(uow, allocation_id, state, reason, commit=False)
