"""API tokens: random, shown once, stored as SHA-256 hashes, with expiry, scope and revocation."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import shapely.geometry
import sqlalchemy as sa

from registry.access import rules
from registry.access.models import AccessGrant, ApiToken, OrganisationRole, User
from registry.access.visibility import GrantScope
from registry.db.geometry import parse_geojson
from registry.db.uow import Actor, UnitOfWork
from registry.errors import NotFound, Unauthenticated, ValidationFailed
from registry.inventory.models import Organisation, utcnow
from registry.inventory.validation import choice
from registry.inventory.vocabulary import Role, Sector

TOKEN_PREFIX = "isk_"
SCOPES = ("read", "write")


def hash_token(token: str) -> str:
    """SHA-256 of a token. Tokens carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(token.encode()).hexdigest()


def ensure_org(uow: UnitOfWork, name: str, sector: str = "other") -> Organisation:
    """The organisation with this name, created (audited) when it does not exist yet."""
    org = uow.session.scalar(sa.select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name, sector=choice(Sector, sector, "sector").value)
        uow.session.add(org)
        uow.session.flush()
        uow.audit("organisation", org.id, "create", after={"name": name, "sector": org.sector})
    return org


def grant_role(uow: UnitOfWork, org: Organisation, role: str, jurisdiction=None) -> None:
    """Give an organisation a role (idempotent); approvers may carry a jurisdiction."""
    role = choice(Role, role, "role").value
    if jurisdiction is not None:
        if role != Role.APPROVER:
            raise ValidationFailed("jurisdiction", "only an approver has a jurisdiction")
        jurisdiction = check_jurisdiction(jurisdiction)
    stmt = sa.select(OrganisationRole).where(
        OrganisationRole.org_id == org.id, OrganisationRole.role == role
    )
    existing = uow.session.scalar(stmt)
    if existing is None:
        uow.session.add(OrganisationRole(org_id=org.id, role=role, jurisdiction=jurisdiction))
        uow.audit("organisation", org.id, "grant_role", after={"role": role})
    elif jurisdiction is not None:
        existing.jurisdiction = jurisdiction


def create_token(
    uow: UnitOfWork,
    org_name: str,
    role: str,
    expires_in: dt.timedelta,
    scope: str = "write",
    user_name: str = "cli",
    sector: str = "other",
    jurisdiction=None,
) -> tuple[str, ApiToken]:
    """Create a token for a user of the organisation (both made if missing); returns
    (the token in clear, shown this once, and its row)."""
    rules.require_admin(uow.actor, "create a token")
    if scope not in SCOPES:
        raise ValidationFailed("scope", "must be read or write")
    if expires_in <= dt.timedelta(0):
        raise ValidationFailed("expires", "must be in the future")
    org = ensure_org(uow, org_name, sector)
    grant_role(uow, org, role, jurisdiction)
    user = uow.session.scalar(sa.select(User).where(User.org_id == org.id, User.name == user_name))
    if user is None:
        user = User(org_id=org.id, name=user_name)
        uow.session.add(user)
        uow.session.flush()
    secret = secrets.token_urlsafe(32)
    token = f"{TOKEN_PREFIX}{secret}"
    row = ApiToken(
        user_id=user.id,
        prefix=token[:12],
        token_hash=hash_token(token),
        scope=scope,
        expires_at=utcnow() + expires_in,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        "api_token",
        row.id,
        "create",
        after={
            "prefix": row.prefix,
            "org": org.name,
            "scope": scope,
            "expires_at": row.expires_at.isoformat(),
        },
    )
    uow.commit()
    return token, row


def list_tokens(session, org_name: str | None = None) -> list[ApiToken]:
    """Tokens (never their secrets), optionally of one organisation."""
    stmt = sa.select(ApiToken).join(User).join(Organisation).order_by(ApiToken.id)
    if org_name:
        stmt = stmt.where(Organisation.name == org_name)
    return list(session.scalars(stmt).unique())


def revoke_token(uow: UnitOfWork, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking twice is harmless."""
    rules.require_admin(uow.actor, "revoke a token")
    row = uow.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"token {token_id} does not exist", field="id")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        uow.audit("api_token", row.id, "revoke", after={"prefix": row.prefix})
        # On the change feed, so every server process drops its cached authentication.
        uow.changed(row.id, "api_token", "revoke")
    uow.commit()
    return row


def live_grants(session, org_id: int, now=None) -> tuple[GrantScope, ...]:
    """The organisation's grants that are in force now."""
    now = now or utcnow()
    stmt = sa.select(AccessGrant).where(
        AccessGrant.grantee_org_id == org_id,
        AccessGrant.revoked_at.is_(None),
        AccessGrant.valid_from <= now,
        AccessGrant.valid_until > now,
    )
    return tuple(
        GrantScope(
            grant_id=g.id,
            owner_id=g.grantor_org_id,
            area=shapely.geometry.shape(g.area),
            kinds=frozenset(g.kinds) if g.kinds else None,
            valid_from=g.valid_from,
            valid_until=g.valid_until,
        )
        for g in session.scalars(stmt)
    )


def authenticate(session, token: str) -> Actor:
    """The Actor a bearer token stands for, or Unauthenticated (no detail on why)."""
    return actor_for_token(session, ApiToken.token_hash == hash_token(token))


def actor_for_token(session, which) -> Actor:
    """The Actor of the one token matching `which` (a condition on ApiToken), or
    Unauthenticated. Bearer tokens and web sessions both come here.

    Runs on every request, so it reads plain rows (no ORM objects): token with its user and
    organisation, then roles, then live grants.
    """
    stmt = (
        sa.select(
            ApiToken.prefix,
            ApiToken.scope,
            ApiToken.expires_at,
            ApiToken.revoked_at,
            User.name,
            Organisation.id,
            Organisation.name,
        )
        .join(User, User.id == ApiToken.user_id)
        .join(Organisation, Organisation.id == User.org_id)
        .where(which)
    )
    row = session.execute(stmt).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or _aware(row.expires_at) <= now:
        raise Unauthenticated("a valid bearer token is required")
    prefix, scope, _, _, user_name, org_id, org_name = row
    role_rows = session.execute(
        sa.select(OrganisationRole.role, OrganisationRole.jurisdiction).where(
            OrganisationRole.org_id == org_id
        )
    ).all()
    return Actor(
        name=f"{org_name}/{user_name}#{prefix}",
        org_id=org_id,
        roles=frozenset(r for r, _ in role_rows),
        grants=live_grants(session, org_id, now),
        scope=scope,
        jurisdiction=_jurisdiction(role_rows),
    )


def _aware(value: dt.datetime) -> dt.datetime:
    """Column values come back aware through the ORM type; plain selects of them do too,
    but be safe on SQLite, which stores no zone."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _jurisdiction(role_rows):
    """The approver role's area as a shapely geometry, or None (no limit)."""
    areas = [area for role, area in role_rows if role == "approver" and area]
    return shapely.geometry.shape(areas[0]) if areas else None


def check_jurisdiction(area) -> dict:
    """Validate an approver's jurisdiction (a GeoJSON Polygon or MultiPolygon)."""
    geom = parse_geojson(area, "jurisdiction")
    if geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
        raise ValidationFailed("jurisdiction", "must be a valid GeoJSON Polygon or MultiPolygon")
    return shapely.geometry.mapping(geom)
