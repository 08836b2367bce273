"""Putting an event in an organisation's inbox, once, and queueing it for its webhooks."""

from __future__ import annotations

import sqlalchemy as sa

from registry.inventory.models import utcnow
from registry.notify.models import Event, NotifyCursor, Webhook, WebhookDelivery

NOTIFY_LOCK_KEY = 0x1F5_0E7  # orders producers of events on PostgreSQL


def lock_producers(session) -> None:
    """One producer at a time (SQLite writers already serialise at BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(NOTIFY_LOCK_KEY)))


def cursor(session, name: str) -> NotifyCursor:
    """The named cursor (created at 0)."""
    row = session.get(NotifyCursor, name)
    if row is None:
        row = NotifyCursor(name=name, position=0)
        session.add(row)
    return row


def emit(session, org_id, kind, key, object_type, object_id, payload, now=None) -> Event | None:
    """Store the event unless the organisation already has one with this key; queue it for
    every active webhook of the organisation. Returns the new event, or None."""
    if org_id is None:
        return None
    exists = session.scalar(sa.select(Event.id).where(Event.org_id == org_id, Event.key == key))
    if exists is not None:
        return None
    now = now or utcnow()
    event = Event(
        org_id=org_id,
        kind=kind,
        key=key,
        object_type=object_type,
        object_id=str(object_id),
        payload=payload,
        created_at=now,
    )
    session.add(event)
    session.flush()
    hooks = session.scalars(sa.select(Webhook.id).where(Webhook.org_id == org_id, Webhook.active))
    for hook_id in hooks:
        session.add(
            WebhookDelivery(
                webhook_id=hook_id,
                event_id=event.id,
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return event
