"""Marshmallow schemas for match requests (documentation and types; the engine checks ranges)."""

from marshmallow import Schema, fields

from api.fields import Count, Units


class SiteMatchSchema(Schema):
    location = fields.Dict(required=True, metadata={"description": "GeoJSON Point"})
    radius_m = fields.Float(required=True)
    needs = fields.Dict(
        keys=fields.String(),
        values=Units(),
        required=True,
        metadata={"example": {"antenna_mount": 1}},
    )
    min_height_m = fields.Float(allow_none=True)
    kinds = fields.List(fields.String())
    sectors = fields.List(fields.String())
    limit = Count(1, 100)


class RouteMatchSchema(Schema):
    route = fields.Dict(required=True, metadata={"description": "GeoJSON LineString"})
    corridor_m = fields.Float(required=True)
    needs = fields.Dict(
        keys=fields.String(),
        values=Units(),
        required=True,
        metadata={"example": {"fiber_core": 12}},
    )
    limit = Count(1, 100)
    share_threshold = fields.Float()
