"""Marshmallow schemas for co-build groups and the co-build decision."""

from __future__ import annotations

from marshmallow import Schema, fields, post_dump

from api.fields import Id, UpcomingDate, one_of, text_length
from api.pagination import PageSchema
from api.read_fields import ReadModelSchema, Rounded


class CoBuildQueryArgsSchema(Schema):
    state = fields.String(validate=one_of(["open", "decided", "dissolved"]))


class CoBuildMemberSchema(Schema):
    build_request_id = fields.Integer()
    role = fields.String(metadata={"description": "member (undecided), builder or tenant"})
    mine = fields.Boolean(metadata={"description": "the request is your organisation's"})


class CoBuildGroupSchema(ReadModelSchema):
    """A co-build group (registry.planning.co_build_queries.CoBuildGroupView)."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "site or route"})
    state = fields.String(metadata={"description": "open, decided or dissolved"})
    build_request_ids = fields.List(fields.Integer())
    members = fields.List(fields.Nested(CoBuildMemberSchema))
    shared_m = Rounded(1, metadata={"description": "routes: metres the members share"})
    sites = fields.Integer(metadata={"description": "sites: how many sites one structure serves"})
    saving = Rounded(2, metadata={"description": "build cost avoided (cost table)"})
    currency = fields.String()
    builder_request_id = fields.Integer(allow_none=True)
    planned_asset_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)

    @post_dump
    def _one_measure_per_kind(self, data: dict, **kwargs) -> dict:
        data.pop("sites" if data["kind"] == "route" else "shared_m", None)
        return data


class CoBuildListSchema(PageSchema):
    items = fields.List(fields.Nested(CoBuildGroupSchema))


class CoBuildDecisionSchema(Schema):
    builder_request_id = Id(
        required=True, strict=True, metadata={"description": "the member whose organisation builds"}
    )
    reason = fields.String(required=True, validate=text_length(1, 4000))
    planned_date = UpcomingDate(
        metadata={
            "description": "when the asset will be in service (default: builder's wanted_date); "
            "today or later (UTC), within 10 years"
        }
    )
