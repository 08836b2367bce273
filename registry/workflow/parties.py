"""Who is asking and who may answer: the object rules shared by the workflow services."""

from __future__ import annotations

from registry.access import rules
from registry.db.uow import UnitOfWork
from registry.errors import Forbidden, NotFound, ValidationFailed
from registry.inventory.assets import get_asset
from registry.inventory.models import Asset, Organisation

MAX_TEXT = 4000


def acting_org(uow: UnitOfWork, requester_org_id: int | None) -> int:
    """The organisation a request is made for: the actor's own.

    `requester_org_id` lets an admin (or a caller with no organisation, such as a CLI job)
    act on an operator's behalf; anyone else may only name their own organisation.
    """
    actor = uow.actor
    if requester_org_id is None:
        if actor.org_id is None:
            raise ValidationFailed(
                "requester_org_id", "required: you do not act for an organisation"
            )
        return actor.org_id
    if actor.org_id is not None and not actor.is_admin and requester_org_id != actor.org_id:
        raise Forbidden("you may make requests only for your own organisation")
    if uow.session.get(Organisation, requester_org_id) is None:
        raise ValidationFailed(
            "requester_org_id", f"organisation {requester_org_id} does not exist"
        )
    return requester_org_id


def visible_asset(uow: UnitOfWork, asset_id: int, field: str = "asset_id") -> Asset:
    """The asset, or NotFound when it does not exist or is confidential to this actor."""
    try:
        asset = get_asset(uow.session, asset_id)
    except NotFound:
        raise NotFound(f"asset {asset_id} does not exist", field=field) from None
    if not rules.may_see_asset(uow.actor, asset):
        # Same words as a missing asset: a confidential asset's existence is not disclosed.
        raise NotFound(f"asset {asset_id} does not exist", field=field)
    return asset


def text(field: str, value, required: bool = False, max_length: int = MAX_TEXT) -> str | None:
    """A free-text field: stripped, bounded, and present when required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed(field, "is required")
        return None
    if not isinstance(value, str):
        raise ValidationFailed(field, "must be text")
    value = value.strip()
    if len(value) > max_length:
        raise ValidationFailed(field, f"must be at most {max_length} characters")
    return value
