"""Events projected from the audit log: every workflow change is audited, so the workflow
services need not know about notifications."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.inventory.models import AuditEntry
from registry.notify.emit import cursor, emit, lock_producers
from registry.workflow.models import BuildRequest

log = logging.getLogger(__name__)

BATCH = 5000
DECISIONS = {"require_share", "approve_new_build", "reject", "co_build"}


def _share_events(e: AuditEntry):
    after = e.after or {}
    if e.action == "create":
        payload = {k: after.get(k) for k in ("asset_id", "resource", "requester_id")}
        yield after.get("owner_id"), "share_request_received", payload
    elif e.action in ("accept", "reject"):
        payload = {"state": after.get("state"), "reason_code": after.get("reason_code")}
        yield after.get("requester_id"), "share_request_answered", payload


def _build_events(e: AuditEntry):
    after = e.after or {}
    if e.action in DECISIONS:
        yield (
            after.get("requester_id"),
            "build_decided",
            {"decision": e.action, "state": after.get("state")},
        )
    elif e.action == "request_info":
        yield after.get("requester_id"), "build_info_requested", {"question": e.reason}


def _group_events(session, e: AuditEntry):
    if e.action not in ("create", "join"):
        return
    ids = (e.after or {}).get("build_request_ids") or []
    orgs = session.scalars(sa.select(BuildRequest.requester_id).where(BuildRequest.id.in_(ids)))
    for org_id in sorted(set(orgs)):
        yield org_id, "co_build_formed", {"group_id": int(e.object_id), "build_request_ids": ids}


def events_of(session, e: AuditEntry):
    """(org_id, kind, payload) of the events one audit entry produces."""
    if e.object_type == "share_request":
        return list(_share_events(e))
    if e.object_type == "build_request":
        return list(_build_events(e))
    if e.object_type == "co_build_group":
        return list(_group_events(session, e))
    return []


def _key(e: AuditEntry, kind: str) -> str:
    # A co-build group tells each organisation once, however many later join it.
    if kind == "co_build_formed":
        return f"co_build_formed:{e.object_id}"
    return f"audit:{e.id}"


def _batch(uow: UnitOfWork, limit: int) -> tuple[int, int]:
    """Project one batch; returns (audit entries read, events made)."""
    session = uow.session
    lock_producers(session)
    position = cursor(session, "audit")
    entries = session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.id > position.position)
        .order_by(AuditEntry.id)
        .limit(limit)
    ).all()
    made = 0
    for e in entries:
        for org_id, kind, payload in events_of(session, e):
            event = emit(
                session, org_id, kind, _key(e, kind), e.object_type, e.object_id, payload, e.at
            )
            made += event is not None
    if entries:
        position.position = entries[-1].id
    uow.commit()
    return len(entries), made


def project(uow: UnitOfWork, limit: int = BATCH) -> int:
    """Turn every audit entry written since the last run into events, a batch per
    transaction; returns how many events were made."""
    made = 0
    while True:
        read, new = _batch(uow, limit)
        made += new
        if read < limit:
            break
    if made:
        log.info("projected %d events", made)
    return made
