"""Who oversees which requests: admins, national approvers, and approvers in their area."""

from __future__ import annotations

import sqlalchemy as sa

from registry.db.uow import Actor
from registry.workflow.models import BuildRequest


def sees_all(actor: Actor) -> bool:
    """Admins and approvers without a jurisdiction (national) see every request; others only
    those their organisation is party to (and approvers the build requests in their area)."""
    return actor.is_admin or ("approver" in actor.roles and actor.jurisdiction is None)


def in_jurisdiction(actor: Actor, geometry) -> bool:
    """Whether a build request at `geometry` is the approver's to see and decide."""
    if sees_all(actor):
        return True
    area = actor.jurisdiction
    return "approver" in actor.roles and area is not None and area.intersects(geometry)


def jurisdiction_condition(actor: Actor):
    """SQL: build requests inside the actor's jurisdiction (false when it has none)."""
    if "approver" not in actor.roles or actor.jurisdiction is None:
        return sa.false()
    area = sa.func.ST_GeomFromText(actor.jurisdiction.wkt, 4326)
    return sa.func.ST_Intersects(BuildRequest.geom, area) == sa.true()
