"""An organisation's inbox: its events, newest first, read or unread; marking them read."""

from __future__ import annotations

import sqlalchemy as sa

from registry.db.uow import Actor, UnitOfWork
from registry.errors import ValidationFailed
from registry.inventory.models import utcnow
from registry.notify.models import Event


def actor_org(actor: Actor) -> int:
    if actor.org_id is None:
        raise ValidationFailed("org_id", "you do not act for an organisation, so have no inbox")
    return actor.org_id


def list_events(
    session, actor: Actor, unread: bool | None = None, kind=None, limit=100, offset=0
) -> tuple[list[Event], int, int]:
    """(the organisation's events, newest first; how many match; how many are unread in all)."""
    org = actor_org(actor)
    conds = [Event.org_id == org]
    if unread is not None:
        conds.append(Event.read_at.is_(None) if unread else Event.read_at.is_not(None))
    if kind:
        conds.append(Event.kind == kind)
    total = session.scalar(sa.select(sa.func.count()).select_from(Event).where(*conds))
    unread_count = session.scalar(
        sa.select(sa.func.count())
        .select_from(Event)
        .where(Event.org_id == org, Event.read_at.is_(None))
    )
    stmt = sa.select(Event).where(*conds).order_by(Event.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt)), total, unread_count


def mark_read(uow: UnitOfWork, ids: list[int] | None = None, read: bool = True) -> int:
    """Mark the organisation's events (all of them when ids is None) read or unread;
    returns how many changed. Other organisations' ids are ignored, never revealed."""
    org = actor_org(uow.actor)
    conds = [Event.org_id == org]
    if ids is not None:
        conds.append(Event.id.in_(ids))
    conds.append(Event.read_at.is_(None) if read else Event.read_at.is_not(None))
    result = uow.session.execute(
        sa.update(Event).where(*conds).values(read_at=utcnow() if read else None)
    )
    uow.commit()
    return result.rowcount or 0
