"""Marshmallow schemas for access grants."""

from marshmallow import Schema, fields, validate

from api.fields import Id
from api.pagination import PageSchema
from registry.inventory.vocabulary import Kind


class AccessGrantSchema(Schema):
    id = fields.Integer(dump_only=True)
    grantor_org_id = fields.Integer(dump_only=True, allow_none=True)
    grantee_org_id = Id(required=True)
    area = fields.Dict(required=True, metadata={"description": "GeoJSON Polygon"})
    valid_from = fields.AwareDateTime(required=True)
    valid_until = fields.AwareDateTime(required=True)
    kinds = fields.List(
        fields.String(validate=validate.OneOf([k.value for k in Kind])), allow_none=True
    )
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class AccessGrantListSchema(PageSchema):
    items = fields.List(fields.Nested(AccessGrantSchema))
