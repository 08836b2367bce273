"""Marshmallow schemas for access grants."""

from marshmallow import Schema, fields

from api.fields import Id, one_of
from api.geometry_bodies import GeometryBody
from api.pagination import PageSchema
from registry.inventory.vocabulary import Kind

# marshmallow says "Not a valid datetime."; the user is told how to write one.
WHEN = {
    "invalid": "must be a date and time written as ISO 8601, e.g. 2027-01-01T00:00:00Z",
    "invalid_awareness": "must give its offset from UTC, e.g. 2027-01-01T00:00:00Z",
}


class AccessGrantSchema(GeometryBody, Schema):
    """A grant; a bad area is reported with any other bad field (the service parses it)."""

    id = fields.Integer(dump_only=True)
    grantor_org_id = fields.Integer(dump_only=True, allow_none=True)
    grantee_org_id = Id(required=True, strict=True)
    area = fields.Dict(required=True, metadata={"description": "GeoJSON Polygon"})
    valid_from = fields.AwareDateTime(required=True, error_messages=WHEN)
    valid_until = fields.AwareDateTime(required=True, error_messages=WHEN)
    kinds = fields.List(fields.String(validate=one_of([k.value for k in Kind])), allow_none=True)
    revoked_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)

    def geometry_fields(self, raw: dict) -> list[tuple[str, tuple[str, ...]]]:
        return [("area", ("Polygon", "MultiPolygon"))]


class AccessGrantListSchema(PageSchema):
    items = fields.List(fields.Nested(AccessGrantSchema))
