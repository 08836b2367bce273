"""Marshmallow schemas for approvers' decisions on build requests."""

from __future__ import annotations

from marshmallow import Schema, fields

from api.fields import Id, one_of, text_length
from api.pagination import PageSchema
from registry.workflow.states import DecisionKind

DECISIONS = [d.value for d in DecisionKind]


class DecisionCreateSchema(Schema):
    build_request_id = Id(required=True, strict=True)
    decision = fields.String(required=True, validate=one_of(DECISIONS))
    reason = fields.String(
        validate=text_length(most=4000),
        metadata={"description": "required to reject, and for request_info (the question)"},
    )
    justification = fields.String(
        validate=text_length(most=4000),
        metadata={"description": "approve_new_build: >= 30 characters if a share was feasible"},
    )
    asset_id = Id(
        strict=True,
        metadata={"description": "require_share: the candidate (default: the best ranked)"},
    )


class DecisionSchema(Schema):
    """An approver's ruling (a registry.workflow.models.Decision row)."""

    id = fields.Integer()
    build_request_id = fields.Integer()
    decision = fields.String()
    actor = fields.String()
    actor_org_id = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    justification = fields.String(allow_none=True)
    match_report_id = fields.Integer(allow_none=True)
    share_request_ids = fields.List(
        fields.Integer(), metadata={"description": "require_share: the share requests it opened"}
    )
    created_at = fields.DateTime()


class DecisionListSchema(PageSchema):
    items = fields.List(fields.Nested(DecisionSchema))


class DecisionQueryArgsSchema(Schema):
    build_request_id = Id()
    decision = fields.String(validate=one_of(DECISIONS))
