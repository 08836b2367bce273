"""Marshmallow schemas of the route planner's request and response (in the OpenAPI doc)."""

from marshmallow import Schema, ValidationError, fields, post_load, validate

from api.build_requests.schemas import BuildRequestDetailSchema
from api.fields import Count, Flag, Id, Number, Units, known, text_length
from api.geometry_bodies import GeometryBody
from matching import rules
from matching.planner.requests import MAX_ALTERNATIVES, MAX_DETOUR


class PlanConstraintsSchema(Schema):
    error_messages = {"type": "must be an object"}  # not "the body must be a JSON object"

    exclude_owner_ids = fields.List(Id(strict=True), load_default=list)
    kinds = fields.List(
        fields.String(
            validate=validate.OneOf(
                ["duct", "aerial_route", "fiber_cable"], error="must be one of: {choices}"
            )
        ),
        load_default=list,
    )
    exclude_asset_ids = fields.List(Id(strict=True), load_default=list)


def _one(needs: dict) -> None:
    if len(needs) != 1:
        raise ValidationError('give exactly one resource, e.g. {"fiber_core": 12}')


class PlanRouteSchema(GeometryBody, Schema):
    """Two ends and one resource; every bad field, both ends included, is reported at once."""

    start = fields.Dict(
        required=True, data_key="from", metadata={"description": "GeoJSON Point: one end"}
    )
    end = fields.Dict(
        required=True, data_key="to", metadata={"description": "GeoJSON Point: the other end"}
    )
    needs = fields.Dict(
        keys=fields.String(),
        values=Units(strict=True),
        required=True,
        validate=[_one, known(rules.ROUTE_RESOURCES, "unknown resource")],
        metadata={"description": "exactly one resource", "example": {"fiber_core": 12}},
    )
    max_detour = Number(
        load_default=2.0,
        validate=validate.Range(
            1.0, MAX_DETOUR, error=f"must be a number from 1 to {MAX_DETOUR:g}"
        ),
        metadata={"description": "the graph holds what lies within this × the straight line"},
    )
    alternatives = Count(0, MAX_ALTERNATIVES, strict=True, load_default=0)
    constraints = fields.Nested(PlanConstraintsSchema, load_default=dict)

    def geometry_fields(self, raw: dict) -> list[tuple[str, tuple[str, ...]]]:
        return [("from", ("Point",)), ("to", ("Point",))]

    @post_load(pass_original=True)
    def _ends(self, data: dict, original: dict, **kwargs) -> dict:
        """Both ends checked together (the planner reads them again from the GeoJSON)."""
        self.parse_geometries(original)
        return data


class PlanCrossingPointSchema(Schema):
    kind = fields.String(metadata={"description": "rail or major_road"})
    coordinates = fields.List(fields.Float(), metadata={"description": "[lon, lat]"})


class PlanCrossingsSchema(Schema):
    count = fields.Integer(metadata={"description": "crossings of rail lines and major roads"})
    kinds = fields.Dict(
        keys=fields.String(), values=fields.Integer(),
        metadata={"description": "crossings per barrier kind", "example": {"rail": 1}},
    )  # fmt: skip
    cost = fields.Float(metadata={"description": "what the crossings add to the leg's cost"})
    points = fields.List(
        fields.Nested(PlanCrossingPointSchema),
        metadata={"description": "where the leg crosses, one per crossing in travel order; "
                  "left out when the leg is coarsened beside a masked asset"},
    )  # fmt: skip


class PlanLegSchema(Schema):
    type = fields.String(metadata={"description": "reuse, new_trench or lateral"})
    asset_id = fields.Integer()
    owner_id = fields.Integer()
    owner_name = fields.String()
    owner_ref = fields.String()
    kind = fields.String()
    sensitivity = fields.String()
    sharing_mode = fields.String()
    length_m = fields.Float()
    cost = fields.Float()
    geometry = fields.Dict(allow_none=True, metadata={"description": "GeoJSON LineString"})
    masked = fields.Boolean(metadata={"description": "coarsened to the mask grid"})
    hidden = fields.Boolean(metadata={"description": "a confidential asset: cost only"})
    crossings = fields.Nested(
        PlanCrossingsSchema,
        metadata={"description": "new trench: barriers crossed (when the registry has any)"},
    )


class PlanTotalSchema(Schema):
    cost = fields.Float()
    length_m = fields.Float()
    reuse_m = fields.Float()
    new_trench_m = fields.Float(metadata={"description": "laterals included"})
    owners = fields.Integer(metadata={"description": "owners whose assets are reused"})


class PlanBaselineSchema(Schema):
    cost = fields.Float()
    new_trench_m = fields.Float()


class PlanOptionSchema(Schema):
    legs = fields.List(fields.Nested(PlanLegSchema))
    total = fields.Nested(PlanTotalSchema)
    saving = fields.Float()


class PlanSchema(PlanOptionSchema):
    registry_seq = fields.Integer()
    request = fields.Dict()
    baseline = fields.Nested(PlanBaselineSchema)
    alternatives = fields.List(fields.Nested(PlanOptionSchema))
    explanation = fields.String()
    currency = fields.String()


class PlanBuildRequestSchema(PlanRouteSchema):
    purpose = fields.String(
        required=True,
        validate=text_length(1, 4000),
        metadata={"description": "why the route is needed"},
    )
    file_share_requests = Flag(
        load_default=False,
        metadata={"description": "also file a share request for every reused asset, at once"},
    )


class PlanSavedSchema(Schema):
    build_request = fields.Nested(
        BuildRequestDetailSchema, metadata={"description": "as GET /build-requests/<id> shows it"}
    )
    share_request_ids = fields.List(fields.Integer())
    unfiled_legs = fields.Integer(
        metadata={"description": "reuse legs on assets you may not see: ask their owners"}
    )
