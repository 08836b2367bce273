"""Webhook delivery: POST each due event, signed with HMAC-SHA256; retry with backoff; log
every attempt; disable a webhook after repeated failures."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

import sqlalchemy as sa

from registry.db.engine import read_only
from registry.db.uow import Actor, UnitOfWork
from registry.inventory.models import utcnow
from registry.notify.models import Event, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # then the delivery is given up ("failed")
DISABLE_AFTER = 10  # consecutive failed attempts, over all deliveries, disable the webhook
FIRST_RETRY = dt.timedelta(seconds=30)  # doubled after every failed attempt
TIMEOUT_S = 5.0
SIGNATURE_HEADER = "X-InfraShare-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """ "sha256=<hex>" of HMAC-SHA256(secret, timestamp + "." + body): the receiver recomputes
    it; the timestamp inside the signature stops a replay of an old body."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt after `attempts` failed ones: 30 s, 1 min, 2 min, ..."""
    return FIRST_RETRY * (2 ** max(0, attempts - 1))


@dataclass
class DeliverySummary:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    disabled: int = 0

    def line(self) -> str:
        return (
            f"delivered {self.delivered}, retrying {self.retrying}, failed {self.failed}, "
            f"webhooks disabled {self.disabled}"
        )


def event_message(e: Event) -> dict:
    """The event as a webhook body carries it. This is the notifier's own outbound message,
    written here because the notifier runs without the web layer; it is the same shape as
    the inbox shows (api/events/schemas.py EventSchema), which a test holds equal."""
    return {
        "id": e.id,
        "kind": e.kind,
        "object": f"{e.object_type}:{e.object_id}",
        "object_type": e.object_type,
        "object_id": e.object_id,
        "payload": e.payload,
        "created_at": e.created_at.isoformat(),
        "read": e.read_at is not None,
        "read_at": e.read_at.isoformat() if e.read_at else None,
    }


def _due(session_factory, now, limit) -> list[tuple[int, str, str, bytes, str, str]]:
    """(delivery id, url, secret, body, event kind, timestamp) of deliveries due now."""
    with read_only(session_factory()) as session:
        rows = session.execute(
            sa.select(WebhookDelivery, Webhook, Event)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(
                WebhookDelivery.state == "pending",
                WebhookDelivery.next_attempt_at <= now,
                Webhook.active,
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        ).all()
        out = []
        for d, w, e in rows:
            body = json.dumps({"delivery_id": d.id, "org_id": e.org_id, "event": event_message(e)})
            stamp = str(int(now.timestamp()))
            out.append((d.id, w.url, w.secret, body.encode(), e.kind, stamp))
        return out


def _post(url, secret, body, kind, stamp, delivery_id) -> tuple[int | None, str | None]:
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "InfraShare-Webhook/1",
        "X-InfraShare-Event": kind,
        "X-InfraShare-Delivery": str(delivery_id),
        "X-InfraShare-Timestamp": stamp,
        SIGNATURE_HEADER: sign(secret, stamp, body),
    }
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as exc:  # includes redirects, which are not followed
        status = exc.code
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return status, None if 200 <= status < 300 else f"HTTP {status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook answers itself: a redirect is a failure, never followed elsewhere."""

    def redirect_request(self, *args, **kwargs):
        return None


# No proxy either: a webhook is called directly, as registered.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def _record(session_factory, delivery_id, status, error, now, summary) -> None:
    with UnitOfWork(session_factory, Actor.system("notify")) as uow:
        d = uow.session.get(WebhookDelivery, delivery_id, with_for_update=True)
        hook = uow.session.get(Webhook, d.webhook_id, with_for_update=True)
        d.attempts += 1
        d.last_status, d.last_error = status, error
        if error is None:
            d.state, d.delivered_at, hook.failures = "delivered", now, 0
            summary.delivered += 1
        else:
            hook.failures += 1
            if d.attempts >= MAX_ATTEMPTS:
                d.state = "failed"
                summary.failed += 1
            else:
                d.next_attempt_at = now + backoff(d.attempts)
                summary.retrying += 1
            if hook.active and hook.failures >= DISABLE_AFTER:
                hook.active, hook.disabled_at = False, now
                summary.disabled += 1
                log.warning("webhook %s disabled after %d failures", hook.id, hook.failures)
        uow.commit()


def deliver_due(
    session_factory, now: dt.datetime | None = None, limit: int = 200
) -> DeliverySummary:
    """Attempt every delivery due at `now` (default: now), outside any transaction while the
    request is in flight; returns what happened."""
    now = now or utcnow()
    summary = DeliverySummary()
    for delivery_id, url, secret, body, kind, stamp in _due(session_factory, now, limit):
        status, error = _post(url, secret, body, kind, stamp, delivery_id)
        _record(session_factory, delivery_id, status, error, now, summary)
    return summary
