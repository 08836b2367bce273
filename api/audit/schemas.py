"""Marshmallow schemas for reading the audit log."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.pagination import PageSchema
from api.read_fields import ObjectRef


class AuditQueryArgsSchema(Schema):
    object = fields.String(metadata={"description": "<type>:<id>, e.g. share_request:12"})
    object_type = fields.String(validate=validate.Length(1, 40))
    object_id = fields.String(validate=validate.Length(1, 100))


class AuditEntrySchema(Schema):
    """One entry of the append-only audit log (a registry AuditEntry row)."""

    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String()
    request_id = fields.String(allow_none=True)
    object = ObjectRef()
    object_type = fields.String()
    object_id = fields.String()
    action = fields.String()
    before = fields.Dict(allow_none=True)
    after = fields.Dict(allow_none=True)
    reason = fields.String(allow_none=True)


class AuditListSchema(PageSchema):
    items = fields.List(fields.Nested(AuditEntrySchema))
