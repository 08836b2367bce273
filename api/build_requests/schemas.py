"""Marshmallow schemas for build requests, their match reports and the approver queue."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from api.decisions.schemas import DecisionSchema
from api.fields import Id, Number, Units, UpcomingDate, one_of, quoted, text_length
from api.geometry_bodies import GeometryBody, checked_geometry
from api.pagination import PageSchema
from api.read_fields import GeoJSON, ReadModelSchema
from matching import rules
from matching.requests import MAX_CORRIDOR_M, MAX_RADIUS_M
from registry.workflow.states import BuildState

POSITIVE = validate.Range(min=0, min_inclusive=False, error="must be more than 0 m")
SITE_OR_ROUTE = ("Point", "LineString")


def _at_most(upper: float) -> list:
    """More than 0 m and at most `upper` (the engine's own bounds, reported with the rest)."""
    return [POSITIVE, validate.Range(max=upper, error=f"must be at most {upper:g} m")]


def _kind_problems(kind: str, given: dict) -> dict[str, list[str]]:
    """What a site (a Point) or a route (a LineString) may not be sent, or must be: the
    service's and the engine's rules, said here so that they come with every other problem."""
    site = kind == "Point"
    noun, others = ("site", "routes") if site else ("route", "sites")
    width, other = ("radius_m", "corridor_m") if site else ("corridor_m", "radius_m")
    found: dict[str, list[str]] = {}
    if width not in given:
        found[width] = [f"is required for a {noun}"]
    if other in given:
        found[other] = [f"applies to {others} only: send {width}"]
    if not site and "min_height_m" in given:
        found["min_height_m"] = ["applies to sites only"]
    needs = given.get("needs")
    allowed = rules.SITE_RESOURCES if site else rules.ROUTE_RESOURCES
    unknown = sorted(set(needs) - allowed) if isinstance(needs, dict) else []
    if unknown:
        names = ", ".join(sorted(allowed))
        found["needs"] = [f"unknown resource {quoted(unknown[0])} for a {noun}; use one of {names}"]
    return found


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
    radius_m = Number(
        validate=_at_most(MAX_RADIUS_M), metadata={"description": "sites: search radius"}
    )
    corridor_m = Number(
        validate=_at_most(MAX_CORRIDOR_M), metadata={"description": "routes: corridor"}
    )
    min_height_m = Number(validate=_at_most(1_000.0), metadata={"description": "sites only"})
    purpose = fields.String(required=True, validate=text_length(1, 4000))
    wanted_date = UpcomingDate(metadata={"description": "today or later (UTC), within 10 years"})
    requester_org_id = Id(
        strict=True, metadata={"description": "admins only: the organisation asked for"}
    )
    approver_org_id = Id(strict=True, metadata={"description": "the approving body addressed"})

    def geometry_fields(self, raw: dict) -> list[tuple[str, tuple[str, ...]]]:
        return [("geometry", SITE_OR_ROUTE)]

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _site_or_route(self, data, original, **kwargs) -> None:
        """Read from the body as given, so that it is reported with any bad field."""
        geometry = original.get("geometry") if isinstance(original, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind in SITE_OR_ROUTE:
            found = _kind_problems(kind, original)
            if found:
                raise ValidationError(found)

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
