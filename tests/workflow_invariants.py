"""Invariants of capacity, allocations, share requests, the change feed and the audit log."""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa

from registry.inventory.models import (
    Allocation,
    AllocationUnit,
    AuditEntry,
    Capacity,
    Change,
    utcnow,
)
from registry.workflow.models import ShareRequest

# Which allocation states a share request's holds may be in, per request state.
ALLOCATION_STATES_BY_REQUEST = {
    "pending": {"reserved", "expired"},  # "expired": swept by another allocation, lapsed
    "accepted": {"active"},
    "rejected": {"released"},
    "withdrawn": {"released"},
    "released": {"released"},
    "expired": {"expired"},
}


def _live(alloc: Allocation, now) -> bool:
    return alloc.state == "active" or (
        alloc.state == "reserved" and (alloc.expires_at is None or alloc.expires_at > now)
    )


def check_capacity(session) -> None:
    """Live allocations never hold more than the total, nor any unit twice."""
    now = utcnow()
    totals = {(c.asset_id, c.resource): c.total for c in session.scalars(sa.select(Capacity))}
    held: dict = defaultdict(list)
    for alloc in session.scalars(sa.select(Allocation)):
        if _live(alloc, now):
            held[(alloc.asset_id, alloc.resource)] += list(alloc.units)
    for key, units in held.items():
        assert len(units) == len(set(units)), f"{key}: a unit is held twice: {sorted(units)}"
        assert len(units) <= totals[key], f"{key}: {len(units)} held of {totals[key]}"
        assert all(1 <= u <= totals[key] for u in units), f"{key}: unit out of range"
    rows = session.execute(sa.select(AllocationUnit.allocation_id, AllocationUnit.unit)).all()
    by_alloc = defaultdict(set)
    for allocation_id, unit in rows:
        by_alloc[allocation_id].add(unit)
    for alloc in session.scalars(sa.select(Allocation)):
        expected = set(alloc.units) if alloc.state in ("reserved", "active") else set()
        assert by_alloc.get(alloc.id, set()) == expected, f"allocation {alloc.id} unit rows"


def _replay(session, object_type: str, current: dict[int, str]) -> None:
    """Each object's audit entries chain from nothing to its current state."""
    entries = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id)
    )
    state: dict[int, str | None] = {}
    for e in entries:
        oid = int(e.object_id)
        before = (e.before or {}).get("state")
        assert before == state.get(oid), f"{object_type} {oid}: {e.action} from {before}"
        state[oid] = (e.after or {}).get("state")
    assert state == current, f"{object_type}: audit replay differs from the stored states"


def check_history(session) -> None:
    """The audit log accounts for every transition, and the feed for every allocation write."""
    allocs = {a.id: a for a in session.scalars(sa.select(Allocation))}
    requests = list(session.scalars(sa.select(ShareRequest)))
    _replay(session, "allocation", {i: a.state for i, a in allocs.items()})
    _replay(session, "share_request", {r.id: r.state for r in requests})
    audited = Counter(
        ((e.after or e.before)["asset_id"], e.action)
        for e in session.scalars(
            sa.select(AuditEntry).where(AuditEntry.object_type == "allocation")
        )
    )
    fed = Counter(
        (c.asset_id, c.op)
        for c in session.scalars(sa.select(Change).where(Change.entity == "allocation"))
    )
    assert audited == fed, "change feed and audit log disagree on allocation writes"
    for r in requests:
        for allocation_id in (r.allocation_id, r.swap_allocation_id):
            if allocation_id is not None:
                state = allocs[allocation_id].state
                assert state in ALLOCATION_STATES_BY_REQUEST[r.state], (
                    f"share request {r.id} is {r.state} but allocation {allocation_id} is {state}"
                )


def check_all(session_factory) -> None:
    with session_factory() as session:
        check_capacity(session)
        check_history(session)
