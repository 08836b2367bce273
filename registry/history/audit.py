"""Reading the append-only audit log: the history of one object, or of a kind of object."""

from __future__ import annotations

import sqlalchemy as sa

from registry.db.uow import Actor
from registry.errors import Forbidden, ValidationFailed
from registry.inventory.models import AuditEntry
from registry.workflow.models import BuildRequest, ShareRequest
from registry.workflow.queries import sees_all

# Objects whose history a party (not only an admin or approver) may read, and who the
# parties are.
_PARTY_COLUMNS = {
    "share_request": (ShareRequest, ("requester_id", "owner_id")),
    "build_request": (BuildRequest, ("requester_id", "approver_org_id")),
}


def parse_object(value: str) -> tuple[str, str]:
    """ "share_request:12" -> ("share_request", "12")."""
    object_type, sep, object_id = (value or "").partition(":")
    if not sep or not object_type or not object_id:
        raise ValidationFailed("object", "must look like <type>:<id>, e.g. share_request:12")
    return object_type, object_id


def entry_json(e: AuditEntry) -> dict:
    """An audit entry as the API shows it."""
    return {
        "id": e.id,
        "at": e.at.isoformat(),
        "actor": e.actor,
        "request_id": e.request_id,
        "object": f"{e.object_type}:{e.object_id}",
        "object_type": e.object_type,
        "object_id": e.object_id,
        "action": e.action,
        "before": e.before,
        "after": e.after,
        "reason": e.reason,
    }


def _party_condition(actor: Actor):
    """SQL: entries about share and build requests the actor's organisation is party to."""
    org = actor.org_id if actor.org_id is not None else -1
    conds = []
    for object_type, (model, columns) in _PARTY_COLUMNS.items():
        mine = sa.select(sa.cast(model.id, sa.String)).where(
            sa.or_(*(getattr(model, c) == org for c in columns))
        )
        conds.append(sa.and_(AuditEntry.object_type == object_type, AuditEntry.object_id.in_(mine)))
    return sa.or_(*conds)


def _check_may_read(session, actor: Actor, object_type, object_id) -> None:
    """An explicitly named object: its parties (or admins and approvers) only, else 403."""
    if sees_all(actor) or object_id is None:
        return
    model_columns = _PARTY_COLUMNS.get(object_type)
    if model_columns is None or not str(object_id).isdigit():
        raise Forbidden("only admins and approvers may read this history")
    model, columns = model_columns
    row = session.get(model, int(object_id))
    parties = {getattr(row, c) for c in columns} if row is not None else set()
    if actor.org_id is None or actor.org_id not in parties:
        raise Forbidden(f"only parties to {object_type} {object_id} may read its history")


def history(
    session,
    actor: Actor,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[dict], int]:
    """(audit entries, oldest first, as JSON; total) of an object, or of many objects.

    Admins and approvers read everything; others read the history of the share and build
    requests their organisation is party to (asking for any other object is a 403).
    """
    if object_id is not None and object_type is None:
        raise ValidationFailed("object_type", "is required with object_id")
    _check_may_read(session, actor, object_type, object_id)
    conds = [] if sees_all(actor) else [_party_condition(actor)]
    if object_type is not None:
        conds.append(AuditEntry.object_type == object_type)
    if object_id is not None:
        conds.append(AuditEntry.object_id == str(object_id))
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*conds))
    stmt = sa.select(AuditEntry).where(*conds).order_by(AuditEntry.id)
    entries = session.scalars(stmt.limit(limit).offset(offset))
    return [entry_json(e) for e in entries], total
