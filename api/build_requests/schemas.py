"""Marshmallow schemas for build requests, their match reports and the approver queue."""

from __future__ import annotations

from marshmallow import Schema, fields, post_load, validate

from api.decisions.schemas import DecisionSchema
from api.fields import Id, Number, Units, UpcomingDate, one_of, text_length
from api.geometry_bodies import GeometryBody, checked_geometry
from api.pagination import PageSchema
from api.read_fields import GeoJSON, ReadModelSchema
from registry.workflow.states import BuildState

POSITIVE = validate.Range(min=0, min_inclusive=False, error="must be more than 0 m")
SITE_OR_ROUTE = ("Point", "LineString")


class BuildRequestCreateSchema(GeometryBody, Schema):
    geometry = fields.Dict(
        required=True, metadata={"description": "GeoJSON Point (a site) or LineString (a route)"}
    )
    needs = fields.Dict(
        keys=fields.String(),
        values=Units(strict=True),
        required=True,
        metadata={"example": {"antenna_mount": 1}},
    )
    radius_m = Number(validate=POSITIVE, metadata={"description": "sites: search radius"})
    corridor_m = Number(validate=POSITIVE, metadata={"description": "routes: corridor"})
    min_height_m = Number(validate=POSITIVE, metadata={"description": "sites only"})
    purpose = fields.String(required=True, validate=text_length(1, 4000))
    wanted_date = UpcomingDate(metadata={"description": "today or later (UTC), within 10 years"})
    requester_org_id = Id(
        strict=True, metadata={"description": "admins only: the organisation asked for"}
    )
    approver_org_id = Id(strict=True, metadata={"description": "the approving body addressed"})

    def geometry_fields(self, raw: dict) -> list[tuple[str, tuple[str, ...]]]:
        return [("geometry", SITE_OR_ROUTE)]

    @post_load
    def _typed(self, data, **kwargs) -> dict:
        """The service's arguments: the GeoJSON geometry becomes a shapely one here."""
        return {**data, "geometry": checked_geometry(data["geometry"], "geometry", SITE_OR_ROUTE)}


class MatchReportSchema(ReadModelSchema):
    """A stored match report as the reader may see it (registry.workflow.queries.ReportView)."""

    id = fields.Integer()
    build_request_id = fields.Integer()
    registry_seq = fields.Integer()
    verdict = fields.String()
    trigger = fields.String()
    created_at = fields.DateTime()
    report = fields.Dict(
        metadata={
            "description": "the engine's report (a SiteReport or a RouteReport, as POST "
            "/match/site and /match/route answer), stored unchanged and shown redacted "
            "for what the reader may know"
        }
    )


class BuildRequestSchema(ReadModelSchema):
    """A build request with its latest verdict (registry.workflow.queries.BuildRequestView)."""

    id = fields.Integer()
    kind = fields.String()
    state = fields.String(metadata={"enum": [s.value for s in BuildState]})
    requester_id = fields.Integer()
    approver_org_id = fields.Integer(allow_none=True)
    geometry = GeoJSON(attribute="geom")
    needs = fields.Dict()
    radius_m = fields.Float(allow_none=True)
    corridor_m = fields.Float(allow_none=True)
    min_height_m = fields.Float(allow_none=True)
    purpose = fields.String()
    wanted_date = fields.Date(allow_none=True)
    verdict = fields.String(allow_none=True, metadata={"description": "of the latest report"})
    due_at = fields.DateTime()
    paused_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class BuildRequestDetailSchema(BuildRequestSchema):
    """One build request with all its match reports (oldest first) and decisions."""

    reports = fields.List(fields.Nested(MatchReportSchema))
    decisions = fields.List(fields.Nested(DecisionSchema))


class BuildRequestListSchema(PageSchema):
    items = fields.List(fields.Nested(BuildRequestSchema))


class BuildRequestQueryArgsSchema(Schema):
    state = fields.String(validate=one_of([s.value for s in BuildState]))
    requester_id = Id()
    approver_org_id = Id()


class RespondSchema(Schema):
    answer = fields.String(required=True, validate=text_length(1, 4000))
