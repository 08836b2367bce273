"""Per-organisation webhooks: register, list, delete, and read the delivery log."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa

from registry.db.uow import Actor, UnitOfWork
from registry.errors import NotFound, Problems, ValidationFailed
from registry.notify.inbox import actor_org
from registry.notify.models import Webhook, WebhookDelivery

MIN_SECRET = 16


def webhook_snapshot(w: Webhook) -> dict:
    """A webhook as the audit log records it: never its secret."""
    return {
        "id": w.id,
        "org_id": w.org_id,
        "url": w.url,
        "active": w.active,
        "failures": w.failures,
        "created_at": w.created_at.isoformat(),
        "disabled_at": w.disabled_at.isoformat() if w.disabled_at else None,
    }


def _check_url(url) -> str:
    if not isinstance(url, str) or len(url) > 2000:
        raise ValidationFailed("url", "must be an http(s) URL of at most 2000 characters")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationFailed("url", "must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise ValidationFailed("url", "must not carry credentials; the secret signs each body")
    return url.strip()


def create_webhook(uow: UnitOfWork, url: str, secret: str) -> Webhook:
    """Register a webhook for the actor's organisation."""
    org = actor_org(uow.actor)
    problems = Problems()  # both fields' problems at once, not the first only
    if not isinstance(secret, str) or not MIN_SECRET <= len(secret) <= 200:
        problems.add(ValidationFailed("secret", f"must be {MIN_SECRET} to 200 characters"))
    url = problems.run(_check_url, url)
    problems.raise_any()
    hook = Webhook(org_id=org, url=url, secret=secret, active=True, failures=0)
    uow.session.add(hook)
    uow.session.flush()
    uow.audit("webhook", hook.id, "create", after=webhook_snapshot(hook))
    uow.commit()
    return hook


def _own(session, actor: Actor, webhook_id: int) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or (not actor.is_admin and hook.org_id != actor.org_id):
        raise NotFound(f"webhook {webhook_id} does not exist", field="id")
    return hook


def list_webhooks(session, actor: Actor) -> list[Webhook]:
    """The organisation's webhooks (every one, for an admin)."""
    stmt = sa.select(Webhook).order_by(Webhook.id)
    if not actor.is_admin:
        stmt = stmt.where(Webhook.org_id == actor_org(actor))
    return list(session.scalars(stmt))


def get_webhook(session, actor: Actor, webhook_id: int) -> Webhook:
    """One of the actor's organisation's webhooks (any, for an admin), else NotFound."""
    return _own(session, actor, webhook_id)


def delete_webhook(uow: UnitOfWork, webhook_id: int) -> None:
    """Remove a webhook and its delivery log."""
    hook = _own(uow.session, uow.actor, webhook_id)
    uow.audit("webhook", hook.id, "delete", before=webhook_snapshot(hook))
    uow.session.delete(hook)
    uow.commit()


def deliveries(
    session, actor: Actor, webhook_id: int, limit=100, offset=0
) -> tuple[list[WebhookDelivery], int]:
    """(the webhook's delivery log, newest first; how many in all)."""
    _own(session, actor, webhook_id)
    cond = WebhookDelivery.webhook_id == webhook_id
    total = session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery).where(cond))
    stmt = sa.select(WebhookDelivery).where(cond).order_by(WebhookDelivery.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset))), total
