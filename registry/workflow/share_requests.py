"""Share requests: hold units for an operator; the owner accepts or rejects; withdraw, release."""

# Lock order, everywhere: the share_request row first, then capacity rows sorted by (asset,
# resource). Nothing takes a share request while holding a capacity lock, so concurrent
# actions on requests and holds cannot deadlock on PostgreSQL.

from __future__ import annotations

import datetime as dt
import logging

from registry.access import rules
from registry.db.rows import get_row
from registry.db.uow import UnitOfWork
from registry.errors import Forbidden, ValidationFailed
from registry.inventory import allocations
from registry.inventory.vocabulary import AllocationState, Resource
from registry.workflow.calendar import Calendar
from registry.workflow.fallthrough import share_ended_unagreed
from registry.workflow.models import ShareRequest
from registry.workflow.parties import acting_org, text, visible_asset
from registry.workflow.share_holds import (
    UnitAsk,
    allocation_ids,
    check_ask,
    check_swap,
    end_holds,
    lock_capacities,
    place_holds,
)
from registry.workflow.states import (
    MODES_BY_RESOURCE,
    RejectReason,
    ShareAction,
    ShareState,
    SharingMode,
    share_next,
)

log = logging.getLogger(__name__)

DEFAULT_HOLD = dt.timedelta(days=30)


def snapshot(sr: ShareRequest) -> dict:
    """The audit view of a share request: its state and what it holds."""
    return {
        "id": sr.id,
        "state": sr.state,
        "asset_id": sr.asset_id,
        "resource": sr.resource,
        "requester_id": sr.requester_id,
        "owner_id": sr.owner_id,
        "allocation_id": sr.allocation_id,
        "swap_asset_id": sr.swap_asset_id,
        "swap_allocation_id": sr.swap_allocation_id,
        "sharing_mode": sr.sharing_mode,
        "agreement_ref": sr.agreement_ref,
        "reason_code": sr.reason_code,
    }


def get_share_request(session, request_id: int, for_update: bool = False) -> ShareRequest:
    """The share request with this id (row-locked on PostgreSQL if asked), or NotFound."""
    return get_row(session, ShareRequest, request_id, "share request", for_update)


def create_share_request(
    uow: UnitOfWork,
    ask: UnitAsk,
    purpose: str,
    *,
    swap: UnitAsk | None = None,
    requester_org_id: int | None = None,
    hold: dt.timedelta = DEFAULT_HOLD,
    calendar: Calendar | None = None,
) -> ShareRequest:
    """Hold the asked units (and, for a core swap, the offered ones) and open the request.

    The requester is the actor's organisation (see parties.acting_org). Returns the pending
    request. Raises CapacityExhausted / UnitUnavailable (409) when the units are not free;
    then nothing is held.
    """
    requester = acting_org(uow, requester_org_id)
    sr = place_share_request(uow, requester, ask, purpose, swap=swap, hold=hold, calendar=calendar)
    uow.commit()
    return sr


def place_share_request(
    uow: UnitOfWork,
    requester: int,
    ask: UnitAsk,
    purpose: str,
    *,
    swap: UnitAsk | None = None,
    hold: dt.timedelta = DEFAULT_HOLD,
    calendar: Calendar | None = None,
    build_request_id: int | None = None,
) -> ShareRequest:
    """Open a share request for `requester` inside the caller's transaction (no commit).

    For services that have already settled who the requester is, e.g. a decision that
    requires a share on the requester's behalf.
    """
    purpose = text("purpose", purpose, required=True)
    asset = visible_asset(uow, ask.asset_id)
    check_ask(asset, ask, requester)
    if swap is not None:
        check_swap(uow, ask, swap, requester)
    now = uow.now()
    legs = [(ask, requester)] + ([(swap, asset.owner_id)] if swap else [])
    holds = place_holds(uow, legs, now + hold)
    sr = ShareRequest(
        asset_id=asset.id,
        resource=ask.resource,
        requester_id=requester,
        owner_id=asset.owner_id,
        state=str(ShareState.PENDING),
        units=list(ask.units) if ask.units is not None else None,
        count=ask.count,
        min_height_m=ask.min_height_m,
        purpose=purpose,
        allocation_id=holds[0].id,
        swap_asset_id=swap.asset_id if swap else None,
        swap_allocation_id=holds[1].id if swap else None,
        build_request_id=build_request_id,
        hold_expires_at=now + hold,
        due_at=(calendar or Calendar()).due("share_request", now),
        created_at=now,
        updated_at=now,
    )
    uow.session.add(sr)
    uow.session.flush()
    uow.audit("share_request", sr.id, "create", after=snapshot(sr), reason=purpose)
    return sr


def _transition(uow, sr, action: ShareAction, now, before: dict, reason=None) -> None:
    sr.state = share_next(f"share request {sr.id}", sr.state, action)
    sr.updated_at = now
    uow.audit("share_request", sr.id, str(action), before=before, after=snapshot(sr), reason=reason)


def hold_lapsed(sr: ShareRequest, now) -> bool:
    return sr.state == ShareState.PENDING and sr.hold_expires_at <= now


def _open(uow: UnitOfWork, sr: ShareRequest, now) -> ShareRequest:
    """A pending request whose hold lapsed is marked expired before anything else.

    The expiry is committed on its own, so the caller's action then fails with a 409 that
    names the state the request really is in ("expired").
    """
    if hold_lapsed(sr, now):
        expire_one(uow, sr, now)
        uow.commit()
        sr = get_share_request(uow.session, sr.id, for_update=True)
    return sr


# Who may take each action (admins may take all): the owner answers, the requester withdraws.
_PARTIES = {
    ShareAction.ACCEPT: (("owner_id",), "the asset's owner may accept a share request"),
    ShareAction.REJECT: (("owner_id",), "the asset's owner may reject a share request"),
    ShareAction.WITHDRAW: (("requester_id",), "the requester may withdraw a share request"),
    ShareAction.RELEASE: (
        ("requester_id", "owner_id"),
        "the requester or the asset's owner may release a share",
    ),
}


def _begin(uow: UnitOfWork, request_id: int, action: ShareAction):
    """Lock the request, check who acts and that the action is legal now.

    Returns (request, now, its snapshot before the action).
    """
    sr = get_share_request(uow.session, request_id, for_update=True)
    rules.require_visible_share_request(uow.actor, sr, request_id)
    fields, doing = _PARTIES[action]
    if not rules.may_act_on_share_request(uow.actor, sr, fields):
        raise Forbidden(f"only {doing}")
    lock_capacities(uow, sr)
    # Read the clock only under the capacity locks: holds are swept under those locks, so
    # "not lapsed yet" cannot turn into "swept by someone else" while this action runs.
    now = uow.now()
    sr = _open(uow, sr, now)
    share_next(f"share request {sr.id}", sr.state, action)
    return sr, now, snapshot(sr)


def expire_one(uow, sr, now) -> None:
    """Mark a pending request whose hold lapsed expired; a required share falls through."""
    before = snapshot(sr)
    end_holds(uow, sr, AllocationState.EXPIRED, "hold expired")
    reason = "the owner did not answer before the hold expired"
    _transition(uow, sr, ShareAction.EXPIRE, now, before, reason=reason)
    share_ended_unagreed(uow, sr, now, reason)


def accept(
    uow: UnitOfWork, request_id: int, agreement_ref: str, sharing_mode: str | None = None
) -> ShareRequest:
    """The owner agrees: the holds become active allocations under `agreement_ref`."""
    sr, now, before = _begin(uow, request_id, ShareAction.ACCEPT)
    mode = _sharing_mode(sr, sharing_mode)
    ref = text("agreement_ref", agreement_ref, required=True, max_length=200)
    lock_capacities(uow, sr)
    for allocation_id in allocation_ids(sr):
        allocations.activate_allocation(uow, allocation_id, mode, ref, commit=False)
    sr.sharing_mode, sr.agreement_ref, sr.answered_at = mode, ref, now
    _transition(uow, sr, ShareAction.ACCEPT, now, before)
    uow.commit()
    return sr


def _sharing_mode(sr: ShareRequest, value: str | None) -> str:
    allowed = MODES_BY_RESOURCE[Resource(sr.resource)]
    if sr.swap_asset_id is not None:
        allowed = frozenset({SharingMode.CORE_SWAP})
    else:
        allowed = allowed - {SharingMode.CORE_SWAP}
    if value is None:
        if len(allowed) == 1:
            return str(next(iter(allowed)))
        raise ValidationFailed("sharing_mode", f"is required: one of {', '.join(sorted(allowed))}")
    if value not in allowed:
        raise ValidationFailed(
            "sharing_mode", f"{value!r} does not fit this request; use {', '.join(sorted(allowed))}"
        )
    return str(value)


def reject(
    uow: UnitOfWork,
    request_id: int,
    reason_code: str,
    reason: str,
    calendar: Calendar | None = None,
) -> ShareRequest:
    """The owner refuses, with a coded reason and an explanation; the holds are released.

    A share that a decision required sends its build request back to the approver.
    """
    sr, now, before = _begin(uow, request_id, ShareAction.REJECT)
    if reason_code not in set(RejectReason):
        allowed = ", ".join(r.value for r in RejectReason)
        raise ValidationFailed("reason_code", f"{reason_code!r} is not one of: {allowed}")
    sr.reason_code = str(reason_code)
    sr.reason = text("reason", reason, required=True)
    sr.answered_at = now
    end_holds(uow, sr, AllocationState.RELEASED, f"share request rejected: {reason_code}")
    _transition(uow, sr, ShareAction.REJECT, now, before, reason=f"{reason_code}: {sr.reason}")
    share_ended_unagreed(uow, sr, now, f"the owner rejected it ({reason_code})", calendar)
    uow.commit()
    return sr


def withdraw(
    uow: UnitOfWork, request_id: int, reason: str | None = None, calendar: Calendar | None = None
) -> ShareRequest:
    """The requester takes a pending request back; its holds are released."""
    sr, now, before = _begin(uow, request_id, ShareAction.WITHDRAW)
    reason = text("reason", reason)
    end_holds(uow, sr, AllocationState.RELEASED, "share request withdrawn")
    _transition(uow, sr, ShareAction.WITHDRAW, now, before, reason=reason)
    share_ended_unagreed(uow, sr, now, "the requester withdrew it", calendar)
    uow.commit()
    return sr


def release(uow: UnitOfWork, request_id: int, reason: str | None = None) -> ShareRequest:
    """End an accepted share: requester or owner gives the units back."""
    sr, now, before = _begin(uow, request_id, ShareAction.RELEASE)
    reason = text("reason", reason)
    end_holds(uow, sr, AllocationState.RELEASED, reason or "share released")
    _transition(uow, sr, ShareAction.RELEASE, now, before, reason=reason)
    uow.commit()
    return sr
