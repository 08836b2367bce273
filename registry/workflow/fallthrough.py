"""A required share that ends unagreed sends its build request back to the approver.

After `require_share`, the build request waits on the share requests the decision opened.
If the owner rejects one, the requester withdraws it, or its hold lapses, the request is
decided on a share that will not happen: it returns to `pending` with a fresh decision
clock, and the approver rematches, requires another share, or approves a new build (with
the justification the stored report demands). Without this the request had no way out.
"""

from __future__ import annotations

import logging

from registry.db.uow import UnitOfWork
from registry.workflow.build_rows import get_build_request, snapshot
from registry.workflow.calendar import Calendar
from registry.workflow.models import ShareRequest
from registry.workflow.states import BuildAction, BuildState, build_next

log = logging.getLogger(__name__)


def share_ended_unagreed(
    uow: UnitOfWork, sr: ShareRequest, now, why: str, calendar: Calendar | None = None
) -> None:
    """Return the share request's build request (if it required this share) to the approver.

    Runs inside the caller's transaction, after the share request's own transition; the
    build request row is locked last (share request, capacities, then build request).
    """
    if sr.build_request_id is None:
        return
    br = get_build_request(uow.session, sr.build_request_id, for_update=True)
    if br.state != BuildState.SHARE_REQUIRED:
        return  # already back with the approver (another required share fell through)
    before = snapshot(br)
    br.state = build_next(f"build request {br.id}", br.state, BuildAction.SHARE_FELL_THROUGH)
    br.decided_at, br.paused_at, br.updated_at = None, None, now
    br.due_at = (calendar or Calendar()).due("build_request", now)
    reason = f"share request {sr.id} {sr.state}: {why}"
    uow.audit(
        "build_request", br.id, str(BuildAction.SHARE_FELL_THROUGH), before, snapshot(br), reason
    )
    log.info("build request %s returned to the approver: %s", br.id, reason)
