"""Marshmallow schemas for organisations."""

from marshmallow import Schema, fields, validate

from api.fields import Offset
from registry.inventory.vocabulary import Sector

SECTORS = [s.value for s in Sector]


class OrganisationSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(1, 200))
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    contact = fields.String(allow_none=True, validate=validate.Length(max=200))
    created_at = fields.DateTime(dump_only=True)


class OrganisationPatchSchema(Schema):
    name = fields.String(validate=validate.Length(1, 200))
    sector = fields.String(validate=validate.OneOf(SECTORS))
    contact = fields.String(allow_none=True, validate=validate.Length(max=200))


class OrganisationQueryArgsSchema(Schema):
    sector = fields.String(validate=validate.OneOf(SECTORS))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = Offset()


class OrganisationListSchema(Schema):
    items = fields.List(fields.Nested(OrganisationSchema))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()
