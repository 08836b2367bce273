"""Marshmallow schemas for share requests: what an operator asks, how an owner answers."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from api.fields import Id, Units
from api.pagination import PageSchema
from api.read_fields import ReadModelSchema
from registry.inventory.vocabulary import Resource
from registry.workflow.states import RejectReason, ShareState, SharingMode

RESOURCES = [r.value for r in Resource]
UNIT = Units()


def _units_or_count(data: dict) -> None:
    if ("units" in data) == ("count" in data):
        raise ValidationError("give either units (a list of unit numbers) or count", "count")


class SwapSchema(Schema):
    """For a core swap: the requester's own cable and the cores it offers in exchange."""

    asset_id = Id(required=True)
    units = fields.List(UNIT, validate=validate.Length(min=1))
    count = Units()

    @validates_schema
    def _one_way(self, data, **kwargs):
        _units_or_count(data)


class ShareRequestCreateSchema(Schema):
    asset_id = Id(required=True)
    resource = fields.String(required=True, validate=validate.OneOf(RESOURCES))
    units = fields.List(UNIT, validate=validate.Length(min=1), metadata={"example": [13, 14]})
    count = Units(metadata={"example": 2})
    min_height_m = fields.Float(
        validate=validate.Range(min=0, max=1000), metadata={"description": "mounts only"}
    )
    purpose = fields.String(required=True, validate=validate.Length(1, 4000))
    swap = fields.Nested(SwapSchema, metadata={"description": "core swap (纤芯置换)"})
    requester_org_id = Id(metadata={"description": "admins only: the organisation asked for"})

    @validates_schema
    def _one_way(self, data, **kwargs):
        _units_or_count(data)


class SwapOutSchema(Schema):
    asset_id = fields.Integer()
    units = fields.List(fields.Integer())
    allocation_id = fields.Integer(allow_none=True)


class ShareRequestSchema(ReadModelSchema):
    """A share request as it stands (registry.workflow.queries.ShareRequestView)."""

    id = fields.Integer()
    state = fields.String(metadata={"enum": [s.value for s in ShareState]})
    asset_id = fields.Integer()
    resource = fields.String()
    requester_id = fields.Integer()
    owner_id = fields.Integer()
    requested = fields.Method(
        "_requested",
        metadata={"type": "object", "description": "as asked: {units: [...]} or {count: n}"},
    )
    units = fields.List(fields.Integer(), metadata={"description": "the units held now"})
    allocation_id = fields.Integer(allow_none=True)
    allocation_state = fields.String(allow_none=True)
    min_height_m = fields.Float(allow_none=True)
    purpose = fields.String()
    sharing_mode = fields.String(allow_none=True)
    agreement_ref = fields.String(allow_none=True)
    reason_code = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    build_request_id = fields.Integer(allow_none=True)
    swap = fields.Nested(SwapOutSchema, metadata={"description": "only for a core swap"})
    hold_expires_at = fields.DateTime()
    due_at = fields.DateTime()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    answered_at = fields.DateTime(allow_none=True)

    def _requested(self, view) -> dict:
        sr = view.row
        return {"units": sr.units} if sr.units is not None else {"count": sr.count}

    @post_dump
    def _swap_only_for_a_swap(self, data: dict, **kwargs) -> dict:
        if data.get("swap") is None:
            data.pop("swap", None)
        return data


class ShareRequestListSchema(PageSchema):
    items = fields.List(fields.Nested(ShareRequestSchema))


class ShareRequestQueryArgsSchema(Schema):
    state = fields.String(validate=validate.OneOf([s.value for s in ShareState]))
    asset_id = Id()
    requester_id = Id()
    owner_id = Id()
    build_request_id = Id()


class AcceptSchema(Schema):
    agreement_ref = fields.String(required=True, validate=validate.Length(1, 200))
    sharing_mode = fields.String(validate=validate.OneOf([m.value for m in SharingMode]))


class RejectSchema(Schema):
    reason_code = fields.String(
        required=True, validate=validate.OneOf([r.value for r in RejectReason])
    )
    reason = fields.String(required=True, validate=validate.Length(1, 4000))


class ReasonSchema(Schema):
    reason = fields.String(validate=validate.Length(max=4000))
