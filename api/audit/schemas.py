"""Marshmallow schemas for reading the audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import PageSchema


class AuditQueryArgsSchema(Schema):
    object = fields.String(metadata={"description": "<type>:<id>, e.g. share_request:12"})
    object_type = fields.String(validate=validate.Length(1, 40))
    object_id = fields.String(validate=validate.Length(1, 100))


class AuditEntrySchema(Schema):
    id = fields.Integer()
    at = fields.String()
    actor = fields.String()
    request_id = fields.String(allow_none=True)
    object = fields.String()
    object_type = fields.String()
    object_id = fields.String()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)


class AuditListSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))
