"""What is overdue or due soon: open share and build requests against their SLA due dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from registry.access import rules
from registry.db.uow import Actor
from registry.errors import Forbidden
from registry.inventory.models import utcnow
from registry.workflow.calendar import Calendar
from registry.workflow.models import BuildRequest, ShareRequest
from registry.workflow.states import BuildState, ShareState


@dataclass(frozen=True)
class DueItem:
    """An open request against its due date: who must act (`party`, `org_id`), or waits."""

    object_type: str
    object_id: int
    state: str
    action: str
    party: str | None
    org_id: int | None
    must_act: bool
    due_at: dt.datetime
    overdue: bool
    days_left: float
    working_days_left: int


def _item(calendar, now, object_type, row, action, party, org_id, must_act) -> DueItem:
    return DueItem(
        object_type=object_type,
        object_id=row.id,
        state=row.state,
        action=action,
        party=party,
        org_id=org_id,
        must_act=must_act,
        due_at=row.due_at,
        overdue=row.due_at <= now,
        days_left=(row.due_at - now).total_seconds() / 86400,
        working_days_left=calendar.working_days_between(now, row.due_at),
    )


def _share_items(session, calendar, now, horizon, actor, org_id) -> list[DueItem]:
    stmt = sa.select(ShareRequest).where(
        ShareRequest.state == ShareState.PENDING,
        ShareRequest.hold_expires_at > now,  # a lapsed hold is expired, not overdue
        ShareRequest.due_at <= horizon,
        rules.share_request_condition(actor),
    )
    if org_id is not None:
        stmt = stmt.where(
            sa.or_(ShareRequest.owner_id == org_id, ShareRequest.requester_id == org_id)
        )
    items = []
    for sr in session.scalars(stmt):
        party = None if org_id is None else ("owner" if sr.owner_id == org_id else "requester")
        must_act = party in (None, "owner")
        what = "answer the share request"
        items.append(_item(calendar, now, "share_request", sr, what, party, sr.owner_id, must_act))
    return items


def _build_party(br: BuildRequest, actor: Actor, org_id) -> str | None:
    if org_id is None:
        return None
    if br.requester_id == org_id and br.approver_org_id != org_id:
        return "requester"
    return "approver"  # addressed to it, or inside its area


def _build_items(session, calendar, now, horizon, actor, org_id) -> list[DueItem]:
    # A request waiting for the requester's answer has its clock paused: it is never due.
    stmt = sa.select(BuildRequest).where(
        BuildRequest.state == BuildState.PENDING,
        BuildRequest.due_at <= horizon,
        rules.build_request_condition(actor),
    )
    # Those who oversee all may narrow to one organisation's requests; for anyone else the
    # access rule (party, or inside its area) is already the narrowing.
    if org_id is not None and rules.sees_all(actor):
        stmt = stmt.where(
            sa.or_(BuildRequest.approver_org_id == org_id, BuildRequest.requester_id == org_id)
        )
    items = []
    for br in session.scalars(stmt):
        party = _build_party(br, actor, org_id)
        must_act = party in (None, "approver")
        what = "decide the build request"
        items.append(
            _item(calendar, now, "build_request", br, what, party, br.approver_org_id, must_act)
        )
    return items


def due_items(
    session,
    actor: Actor,
    calendar: Calendar,
    org_id: int | None = None,
    within_days: float = 7,
    now: dt.datetime | None = None,
) -> list[DueItem]:
    """Open requests that are overdue or due within `within_days`, soonest first.

    Only requests the actor may see (registry.access.rules): parties see their own, approvers
    also those in their area. With `org_id` (admins and national approvers may name any),
    only those the organisation is party to; `party` says whether it is the owner or approver
    (who must act) or the requester (who waits).
    """
    if not rules.sees_all(actor):
        if org_id is not None and org_id != actor.org_id:
            raise Forbidden("you may list only your own organisation's deadlines")
        org_id = actor.org_id if actor.org_id is not None else rules.NOBODY
    now = now or utcnow()
    horizon = now + dt.timedelta(days=within_days)
    items = _share_items(session, calendar, now, horizon, actor, org_id)
    items += _build_items(session, calendar, now, horizon, actor, org_id)
    return sorted(items, key=lambda i: (i.due_at, f"{i.object_type}:{i.object_id}"))
