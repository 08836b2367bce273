"""Marshmallow schemas for share requests: what an operator asks, how an owner answers."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_dump, validate, validates_schema

from api.fields import Id, Number, Units, one_of, text_length
from api.pagination import PageSchema
from api.read_fields import ReadModelSchema
from registry.inventory.vocabulary import Resource
from registry.workflow.states import RejectReason, ShareState, SharingMode

RESOURCES = [r.value for r in Resource]
UNIT = Units(strict=True)
SOME_UNITS = validate.Length(min=1, error="must list at least one unit number")


def _units_or_count(original) -> None:
    """As the body gives them (a units list with a bad number is still given), so that this
    is reported with any bad field at once."""
    if not isinstance(original, dict):
        return
    if ("units" in original) == ("count" in original):
        raise ValidationError("give either units (a list of unit numbers) or count", "count")


class SwapSchema(Schema):
    """For a core swap: the requester's own cable and the cores it offers in exchange."""

    error_messages = {"type": "must be an object"}  # not "the body must be a JSON object"

    asset_id = Id(required=True, strict=True)
    units = fields.List(UNIT, validate=SOME_UNITS)
    count = Units(strict=True)

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_way(self, data, original, **kwargs):
        _units_or_count(original)


class ShareRequestCreateSchema(Schema):
    asset_id = Id(required=True, strict=True)
    resource = fields.String(required=True, validate=one_of(RESOURCES))
    units = fields.List(UNIT, validate=SOME_UNITS, metadata={"example": [13, 14]})
    count = Units(strict=True, metadata={"example": 2})
    min_height_m = Number(
        validate=validate.Range(min=0, max=1000, error="must be a number from 0 to 1000 m"),
        metadata={"description": "mounts only"},
    )
    purpose = fields.String(required=True, validate=text_length(1, 4000))
    swap = fields.Nested(SwapSchema, metadata={"description": "core swap (纤芯置换)"})
    requester_org_id = Id(
        strict=True, metadata={"description": "admins only: the organisation asked for"}
    )

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _one_way(self, data, original, **kwargs):
        _units_or_count(original)


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
    state = fields.String(validate=one_of([s.value for s in ShareState]))
    asset_id = Id()
    requester_id = Id()
    owner_id = Id()
    build_request_id = Id()


class AcceptSchema(Schema):
    agreement_ref = fields.String(required=True, validate=text_length(1, 200))
    sharing_mode = fields.String(validate=one_of([m.value for m in SharingMode]))


class RejectSchema(Schema):
    reason_code = fields.String(required=True, validate=one_of([r.value for r in RejectReason]))
    reason = fields.String(required=True, validate=text_length(1, 4000))


class ReasonSchema(Schema):
    reason = fields.String(validate=text_length(most=4000))
