"""Lapsed holds: the expiry job, and the sweep of one build request's required shares."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.inventory import allocations
from registry.workflow.models import ShareRequest
from registry.workflow.share_requests import expire_one, get_share_request, hold_lapsed
from registry.workflow.states import ShareState

log = logging.getLogger(__name__)


def expire_lapsed(uow: UnitOfWork, now: dt.datetime | None = None) -> tuple[int, int]:
    """Mark lapsed holds and their share requests expired; returns (requests, other holds).

    One short transaction per request, so the job never holds many locks at once.
    Idempotent.
    """
    now = now or uow.now()
    count = _expire_lapsed_requests(uow, now)
    holds = allocations.expire_holds(uow, now)
    log.info("expired %d share requests and %d other holds", count, holds)
    return count, holds


def _expire_lapsed_requests(uow: UnitOfWork, now, build_request_id: int | None = None) -> int:
    stmt = (
        sa.select(ShareRequest.id)
        .where(ShareRequest.state == ShareState.PENDING, ShareRequest.hold_expires_at <= now)
        .order_by(ShareRequest.id)
    )
    if build_request_id is not None:
        stmt = stmt.where(ShareRequest.build_request_id == build_request_id)
    count = 0
    for request_id in list(uow.session.scalars(stmt)):
        sr = get_share_request(uow.session, request_id, for_update=True)
        if hold_lapsed(sr, now):
            expire_one(uow, sr, now)
            count += 1
        uow.commit()
    return count


def settle_required_shares(uow: UnitOfWork, build_request_id: int, now=None) -> int:
    """Expire the lapsed required shares of one build request (it may return to pending).

    Called before an approver acts, so a request whose required share lapsed is treated as
    back with the approver even when the expiry job has not run yet. Returns how many.
    """
    return _expire_lapsed_requests(uow, now or uow.now(), build_request_id)
