"""Marshmallow schemas for organisations."""

from marshmallow import Schema, fields, post_load

from api.fields import one_of, text_length
from api.pagination import PageSchema
from registry.inventory.changes import OrganisationChanges
from registry.inventory.vocabulary import Sector

SECTORS = [s.value for s in Sector]


class OrganisationSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=text_length(1, 200))
    sector = fields.String(required=True, validate=one_of(SECTORS))
    contact = fields.String(allow_none=True, validate=text_length(most=200))
    created_at = fields.DateTime(dump_only=True)


class OrganisationPatchSchema(Schema):
    name = fields.String(validate=text_length(1, 200))
    sector = fields.String(validate=one_of(SECTORS))
    contact = fields.String(allow_none=True, validate=text_length(most=200))

    @post_load
    def _typed(self, data, **kwargs) -> OrganisationChanges:
        if "sector" in data:
            data["sector"] = Sector(data["sector"])
        return OrganisationChanges(**data)


class OrganisationQueryArgsSchema(Schema):
    sector = fields.String(validate=one_of(SECTORS))


class OrganisationListSchema(PageSchema):
    items = fields.List(fields.Nested(OrganisationSchema))
