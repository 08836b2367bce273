"""Marshmallow schemas for reading the audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import Offset


class AuditQueryArgsSchema(Schema):
    object = fields.String(metadata={"description": "<type>:<id>, e.g. share_request:12"})
    object_type = fields.String(validate=validate.Length(1, 40))
    object_id = fields.String(validate=validate.Length(1, 100))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = Offset()


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


class AuditListSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
