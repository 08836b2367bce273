"""Access grants: an owner lets another organisation see its assets in an area, for a while."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from shapely.geometry import MultiPolygon, Polygon, mapping

from registry.access.models import AccessGrant
from registry.access.rules import grant_condition, require_owner, require_role
from registry.db.geometry import parse_geojson
from registry.db.uow import UnitOfWork
from registry.errors import NotFound, Problems, ValidationFailed
from registry.inventory.models import Organisation, utcnow
from registry.inventory.validation import choice
from registry.inventory.vocabulary import Kind

MAX_WINDOW = dt.timedelta(days=2 * 366)


def grant_snapshot(g: AccessGrant) -> dict:
    """The audit/JSON view of a grant."""
    return {
        "id": g.id,
        "grantor_org_id": g.grantor_org_id,
        "grantee_org_id": g.grantee_org_id,
        "area": g.area,
        "kinds": g.kinds,
        "valid_from": g.valid_from.isoformat(),
        "valid_until": g.valid_until.isoformat(),
        "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
    }


def _area(area) -> dict:
    geom = parse_geojson(area, "area")
    if not isinstance(geom, Polygon | MultiPolygon):
        raise ValidationFailed("area", "must be a GeoJSON Polygon or MultiPolygon")
    if not geom.is_valid:
        raise ValidationFailed("area", "is not a valid polygon (self-intersecting?)")
    return mapping(geom)


def _window(valid_from: dt.datetime, valid_until: dt.datetime) -> None:
    for name, value in (("valid_from", valid_from), ("valid_until", valid_until)):
        if value.tzinfo is None:
            raise ValidationFailed(name, "needs a time zone, e.g. 2026-12-01T00:00:00Z")
    if valid_until <= valid_from:
        raise ValidationFailed("valid_until", "must be after valid_from")
    if valid_until <= utcnow():
        raise ValidationFailed("valid_until", "must be in the future")
    if valid_until - valid_from > MAX_WINDOW:
        raise ValidationFailed("valid_until", "a grant may last at most two years")


def _kinds(kinds) -> list[str]:
    return sorted({choice(Kind, k, "kinds").value for k in kinds})


def create_grant(
    uow: UnitOfWork, grantee_org_id: int, area, valid_from, valid_until, kinds=None
) -> AccessGrant:
    """Grant the grantee full-precision access to the actor's assets in `area`; returns it.

    An admin's grant covers every owner's assets.
    """
    actor = uow.actor
    require_role(actor, "owner")
    # Independent checks: every problem is reported at once, not the first only.
    problems = Problems()
    if uow.session.get(Organisation, grantee_org_id) is None:
        problems.add(
            ValidationFailed("grantee_org_id", f"organisation {grantee_org_id} does not exist")
        )
    problems.run(_window, valid_from, valid_until)
    shape = problems.run(_area, area)
    if kinds is not None:
        kinds = problems.run(_kinds, kinds) or None
    problems.raise_any()
    grant = AccessGrant(
        grantor_org_id=None if actor.is_admin and actor.org_id is None else actor.org_id,
        grantee_org_id=grantee_org_id,
        area=shape,
        kinds=kinds,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    uow.session.add(grant)
    uow.session.flush()
    uow.audit("access_grant", grant.id, "create", after=grant_snapshot(grant))
    uow.commit()
    return grant


def get_grant(session, actor, grant_id: int) -> AccessGrant:
    """A grant the actor gave or received, or NotFound."""
    stmt = sa.select(AccessGrant).where(AccessGrant.id == grant_id, grant_condition(actor))
    grant = session.scalar(stmt)
    if grant is None:
        raise NotFound(f"grant {grant_id} does not exist", field="id")
    return grant


def list_grants(session, actor) -> list[AccessGrant]:
    """Grants the actor gave or received, newest first."""
    stmt = sa.select(AccessGrant).where(grant_condition(actor)).order_by(AccessGrant.id.desc())
    return list(session.scalars(stmt))


def revoke_grant(uow: UnitOfWork, grant_id: int) -> AccessGrant:
    """End a grant now; only its grantor (or an admin) may."""
    grant = get_grant(uow.session, uow.actor, grant_id)
    if grant.grantor_org_id is not None:
        require_owner(uow.actor, grant.grantor_org_id, "grant")
    else:
        require_role(uow.actor, "admin")
    if grant.revoked_at is None:
        before = grant_snapshot(grant)
        grant.revoked_at = utcnow()
        uow.audit("access_grant", grant.id, "revoke", before=before, after=grant_snapshot(grant))
    uow.commit()
    return grant
