"""Marshmallow schemas for the inbox."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from api.fields import Flag, Id
from api.pagination import PageSchema
from api.read_fields import ObjectRef


class EventQueryArgsSchema(Schema):
    unread = fields.Boolean(metadata={"description": "true: unread only; false: read only"})
    kind = fields.String(validate=validate.Length(1, 40))


class EventSchema(Schema):
    """An event in the inbox (a registry Event row); a webhook body carries the same shape."""

    id = fields.Integer()
    kind = fields.String(
        metadata={
            "description": "share_request_received, share_request_answered, hold_expiring, "
            "deadline_near, deadline_passed, co_build_formed, build_decided, "
            "build_info_requested, planned_date_reached"
        }
    )
    object = ObjectRef()
    object_type = fields.String()
    object_id = fields.String()
    payload = fields.Dict()
    created_at = fields.DateTime()
    read = fields.Function(lambda e: e.read_at is not None, metadata={"type": "boolean"})
    read_at = fields.DateTime(allow_none=True)


class EventListSchema(PageSchema):
    items = fields.List(fields.Nested(EventSchema))
    unread = fields.Integer(metadata={"description": "unread events in all"})


class MarkReadSchema(Schema):
    ids = fields.List(
        Id(strict=True),
        validate=validate.Length(min=1, max=1000, error="must list 1 to 1000 event ids"),
    )
    all = Flag(load_default=False)
    read = Flag(load_default=True, metadata={"description": "false marks unread"})

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("ids" in data) == data["all"]:
            raise ValidationError("give either ids or all=true", "ids")


class MarkReadResultSchema(Schema):
    changed = fields.Integer()
