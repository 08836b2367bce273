"""Marshmallow schemas for webhooks and their delivery log."""

from __future__ import annotations

from marshmallow import Schema, fields


class WebhookCreateSchema(Schema):
    url = fields.String(required=True, metadata={"example": "https://ops.example.org/hooks"})
    secret = fields.String(
        required=True,
        load_only=True,
        metadata={"description": "16 to 200 characters; signs every body (HMAC-SHA256)"},
    )


class WebhookSchema(Schema):
    """A registered webhook (a registry Webhook row): never its secret."""

    id = fields.Integer()
    org_id = fields.Integer()
    url = fields.String()
    active = fields.Boolean()
    failures = fields.Integer(metadata={"description": "consecutive failed attempts"})
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(allow_none=True)


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema))
    total = fields.Integer()


class DeliverySchema(Schema):
    """One entry of a webhook's delivery log (a registry WebhookDelivery row)."""

    id = fields.Integer()
    event_id = fields.Integer()
    state = fields.String(metadata={"description": "pending, delivered or failed"})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True)
    last_status = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    delivered_at = fields.DateTime(allow_none=True)


class DeliveryListSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
