"""Marshmallow schemas for the deadline list."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from api.fields import Id
from api.pagination import PageSchema
from api.read_fields import ObjectRef, Rounded


class DeadlineQueryArgsSchema(Schema):
    org_id = Id(metadata={"description": "an organisation's deadlines (default: all)"})
    within_days = fields.Float(
        load_default=7,
        validate=validate.Range(min=0, max=3660),
        metadata={"description": "overdue, or due within this many days"},
    )


class DeadlineSchema(Schema):
    """An open request against its due date (registry.workflow.deadlines.DueItem)."""

    object = ObjectRef()
    object_type = fields.String()
    object_id = fields.Integer()
    state = fields.String()
    action = fields.String(metadata={"description": "what is due"})
    party = fields.String(allow_none=True, metadata={"description": "org_id's part in it"})
    org_id = fields.Integer(allow_none=True, metadata={"description": "who must act"})
    must_act = fields.Boolean()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    days_left = Rounded(2)
    working_days_left = fields.Integer()


class DeadlineListSchema(PageSchema):
    items = fields.List(fields.Nested(DeadlineSchema))
