"""Events that time produces: holds about to lapse, deadlines near or passed, planned assets
whose planned date has come."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.inventory.models import Asset, utcnow
from registry.notify.emit import emit, lock_producers
from registry.planning.terms import PLANNED_DATE
from registry.workflow.models import BuildRequest, ShareRequest
from registry.workflow.states import BUILD_OPEN, ShareState

HOLD_WARNING = dt.timedelta(days=3)
DEADLINE_WARNING = dt.timedelta(days=2)


def _iso(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def _holds(session, now) -> int:
    stmt = sa.select(ShareRequest).where(
        ShareRequest.state == ShareState.PENDING,
        ShareRequest.hold_expires_at > now,
        ShareRequest.hold_expires_at <= now + HOLD_WARNING,
    )
    made = 0
    for sr in session.scalars(stmt):
        key = f"hold_expiring:{sr.id}:{_iso(sr.hold_expires_at)}"
        payload = {"asset_id": sr.asset_id, "hold_expires_at": sr.hold_expires_at.isoformat()}
        made += (
            emit(
                session, sr.requester_id, "hold_expiring", key, "share_request", sr.id, payload, now
            )
            is not None
        )
    return made


def _deadline(session, now, object_type, row, org_id) -> int:
    passed = row.due_at <= now
    kind = "deadline_passed" if passed else "deadline_near"
    key = f"{kind}:{object_type}:{row.id}:{_iso(row.due_at)}"
    payload = {"due_at": row.due_at.isoformat(), "state": row.state}
    return emit(session, org_id, kind, key, object_type, row.id, payload, now) is not None


def _deadlines(session, now) -> int:
    horizon = now + DEADLINE_WARNING
    made = 0
    shares = sa.select(ShareRequest).where(
        ShareRequest.state == ShareState.PENDING,
        ShareRequest.hold_expires_at > now,
        ShareRequest.due_at <= horizon,
    )
    for sr in session.scalars(shares):
        made += _deadline(session, now, "share_request", sr, sr.owner_id)
    builds = sa.select(BuildRequest).where(
        BuildRequest.state == "pending",
        BuildRequest.approver_org_id.is_not(None),
        BuildRequest.due_at <= horizon,
    )
    for br in session.scalars(builds):
        if br.state in BUILD_OPEN:
            made += _deadline(session, now, "build_request", br, br.approver_org_id)
    return made


def _planned(uow: UnitOfWork, now) -> int:
    """Planned assets whose date has come: the index must re-read them (they now count as in
    service), so each gets a change-feed entry, and its owner an event, once."""
    planned = Asset.attributes[PLANNED_DATE].as_string()
    stmt = sa.select(Asset.id, Asset.owner_id, planned).where(
        Asset.status == "planned", planned <= now.date().isoformat()
    )
    made = 0
    for asset_id, owner_id, date in uow.session.execute(stmt).all():
        payload = {"asset_id": asset_id, PLANNED_DATE: date}
        key = f"planned_in_service:{asset_id}:{date}"
        if emit(
            uow.session, owner_id, "planned_date_reached", key, "asset", asset_id, payload, now
        ):
            uow.changed(asset_id, "asset", "planned_date")
            made += 1
    return made


def produce(uow: UnitOfWork, now: dt.datetime | None = None) -> int:
    """Produce every time-based event due now (idempotent); returns how many were new."""
    now = now or utcnow()
    lock_producers(uow.session)
    made = _holds(uow.session, now) + _deadlines(uow.session, now) + _planned(uow, now)
    uow.commit()
    return made
