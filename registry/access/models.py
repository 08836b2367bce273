"""Access-control models: organisation roles, users, hashed API tokens, access grants."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from registry.inventory.models import Base, Organisation, utcnow


class OrganisationRole(Base):
    """A role an organisation holds; approvers carry a jurisdiction polygon (GeoJSON)."""

    __tablename__ = "organisation_role"
    __table_args__ = (sa.UniqueConstraint("org_id", "role", name="uq_organisation_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(sa.String(20))
    jurisdiction: Mapped[dict | None] = mapped_column(JSON)


class User(Base):
    """A person or system account of an organisation."""

    __tablename__ = "app_user"
    __table_args__ = (sa.UniqueConstraint("org_id", "name", name="uq_user_org_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class ApiToken(Base):
    """An API token: only its SHA-256 hash and a short prefix (to tell tokens apart) are kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("app_user.id", ondelete="CASCADE"))
    prefix: Mapped[str] = mapped_column(sa.String(16), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scope: Mapped[str] = mapped_column(sa.String(10))
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class AccessGrant(Base):
    """Full-precision access for a grantee to the grantor's assets in an area, for a window."""

    __tablename__ = "access_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    grantor_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    grantee_org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    area: Mapped[dict] = mapped_column(JSON)
    kinds: Mapped[list | None] = mapped_column(JSON)
    valid_from: Mapped[dt.datetime]
    valid_until: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
