"""What is overdue or due soon: open share and build requests against their SLA due dates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.db.uow import Actor
from registry.errors import Forbidden
from registry.inventory.models import utcnow
from registry.workflow.calendar import Calendar
from registry.workflow.models import BuildRequest, ShareRequest
from registry.workflow.queries import sees_all
from registry.workflow.states import BuildState, ShareState


def _item(calendar, now, object_type, row, action, party, org_id, must_act) -> dict:
    return {
        "object": f"{object_type}:{row.id}",
        "object_type": object_type,
        "object_id": row.id,
        "state": row.state,
        "action": action,
        "party": party,
        "org_id": org_id,
        "must_act": must_act,
        "due_at": row.due_at.isoformat(),
        "overdue": row.due_at <= now,
        "days_left": round((row.due_at - now).total_seconds() / 86400, 2),
        "working_days_left": calendar.working_days_between(now, row.due_at),
    }


def _share_items(session, calendar, now, horizon, org_id) -> list[dict]:
    stmt = sa.select(ShareRequest).where(
        ShareRequest.state == ShareState.PENDING,
        ShareRequest.hold_expires_at > now,  # a lapsed hold is expired, not overdue
        ShareRequest.due_at <= horizon,
    )
    if org_id is not None:
        stmt = stmt.where(
            sa.or_(ShareRequest.owner_id == org_id, ShareRequest.requester_id == org_id)
        )
    items = []
    for sr in session.scalars(stmt):
        party = None if org_id is None else ("owner" if sr.owner_id == org_id else "requester")
        must_act = party in (None, "owner")
        items.append(
            _item(
                calendar,
                now,
                "share_request",
                sr,
                "answer the share request",
                party,
                sr.owner_id,
                must_act,
            )
        )
    return items


def _build_items(session, calendar, now, horizon, org_id) -> list[dict]:
    # A request waiting for the requester's answer has its clock paused: it is never due.
    stmt = sa.select(BuildRequest).where(
        BuildRequest.state == BuildState.PENDING, BuildRequest.due_at <= horizon
    )
    if org_id is not None:
        stmt = stmt.where(
            sa.or_(BuildRequest.approver_org_id == org_id, BuildRequest.requester_id == org_id)
        )
    items = []
    for br in session.scalars(stmt):
        party = (
            None
            if org_id is None
            else ("approver" if br.approver_org_id == org_id else "requester")
        )
        must_act = party in (None, "approver")
        items.append(
            _item(
                calendar,
                now,
                "build_request",
                br,
                "decide the build request",
                party,
                br.approver_org_id,
                must_act,
            )
        )
    return items


def due_items(
    session,
    actor: Actor,
    calendar: Calendar,
    org_id: int | None = None,
    within_days: float = 7,
    now: dt.datetime | None = None,
) -> list[dict]:
    """Open requests that are overdue or due within `within_days`, soonest first.

    With `org_id`, only those the organisation is party to; `party` says whether it is the
    owner or approver (who must act) or the requester (who waits). Non-admins see their own
    organisation's deadlines only.
    """
    if not sees_all(actor):
        if org_id is not None and org_id != actor.org_id:
            raise Forbidden("you may list only your own organisation's deadlines")
        org_id = actor.org_id if actor.org_id is not None else -1
    now = now or utcnow()
    horizon = now + dt.timedelta(days=within_days)
    items = _share_items(session, calendar, now, horizon, org_id)
    items += _build_items(session, calendar, now, horizon, org_id)
    return sorted(items, key=lambda i: (i["due_at"], i["object"]))
