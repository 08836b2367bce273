"""Reading the append-only audit log: the history of one object, or of a kind of object."""

from __future__ import annotations

import sqlalchemy as sa

from registry.access import rules
from registry.db.uow import Actor
from registry.errors import Forbidden, ValidationFailed
from registry.inventory.models import AuditEntry


def parse_object(value: str) -> tuple[str, str]:
    """ "share_request:12" -> ("share_request", "12")."""
    object_type, sep, object_id = (value or "").partition(":")
    if not sep or not object_type or not object_id:
        raise ValidationFailed("object", "must look like <type>:<id>, e.g. share_request:12")
    return object_type, object_id


def _check_may_read(session, actor: Actor, object_type, object_id) -> None:
    """An explicitly named object: only those who may see it read its history, else 403."""
    if object_id is None or rules.may_read_history(session, actor, object_type, object_id):
        return
    raise Forbidden(f"you may not read the history of {object_type} {object_id}")


def history(
    session,
    actor: Actor,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """(audit entries, oldest first; total) of an object, or of many objects.

    Admins read everything; others the history of the share requests, build requests,
    decisions and grants they may see (registry.access.rules; any other object is a 403).
    """
    if object_id is not None and object_type is None:
        raise ValidationFailed("object_type", "is required with object_id")
    _check_may_read(session, actor, object_type, object_id)
    conds = [rules.audit_condition(actor)]
    if object_type is not None:
        conds.append(AuditEntry.object_type == object_type)
    if object_id is not None:
        conds.append(AuditEntry.object_id == str(object_id))
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(*conds))
    stmt = sa.select(AuditEntry).where(*conds).order_by(AuditEntry.id)
    return list(session.scalars(stmt.limit(limit).offset(offset))), total
