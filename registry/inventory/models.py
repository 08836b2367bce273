"""SQLAlchemy 2 typed models of the registry (SRID 4326 geometries via GeoAlchemy2)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import JSON

from registry.db.geometry import ShapelyGeometry


def utcnow() -> dt.datetime:
    """Timezone-aware now, the only clock the registry stores."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores UTC and always returns aware datetimes, on SQLite as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; the registry stores aware UTC times")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON, dt.datetime: UTCDateTime}


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    sector: Mapped[str] = mapped_column(sa.String(20))
    contact: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Asset(Base):
    __tablename__ = "asset"
    __table_args__ = (sa.UniqueConstraint("owner_id", "owner_ref", name="uq_asset_owner_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    owner_ref: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))
    sensitivity: Mapped[str] = mapped_column(sa.String(20))
    geom = mapped_column(ShapelyGeometry("GEOMETRY", spatial_index=True), nullable=False)
    attributes: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    capacities: Mapped[list[Capacity]] = relationship(
        back_populates="asset",
        cascade="all, delete-orphan",
        order_by="Capacity.resource",
        lazy="selectin",
    )


class Capacity(Base):
    """Units of one resource on one asset, numbered 1..total (mounts may carry heights)."""

    __tablename__ = "capacity"
    __table_args__ = (
        sa.UniqueConstraint("asset_id", "resource", name="uq_capacity_asset_resource"),
        sa.CheckConstraint("total >= 0", name="ck_capacity_total_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(sa.String(20))
    total: Mapped[int]
    unit_heights: Mapped[list | None] = mapped_column(JSON)

    asset: Mapped[Asset] = relationship(back_populates="capacities")


class Allocation(Base):
    """Units of one asset's resource held by a tenant: reserved (with expiry) or active."""

    __tablename__ = "allocation"
    __table_args__ = (sa.Index("ix_allocation_asset_resource", "asset_id", "resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"))
    resource: Mapped[str] = mapped_column(sa.String(20))
    tenant_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    units: Mapped[list] = mapped_column(default=list)
    expires_at: Mapped[dt.datetime | None]
    agreement_ref: Mapped[str | None] = mapped_column(sa.String(200))
    sharing_mode: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None]


class AllocationUnit(Base):
    """One unit held by a live allocation. The primary key makes a double booking impossible."""

    __tablename__ = "allocation_unit"

    asset_id: Mapped[int] = mapped_column(
        sa.ForeignKey("asset.id", ondelete="CASCADE"), primary_key=True
    )
    resource: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    unit: Mapped[int] = mapped_column(primary_key=True)
    allocation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("allocation.id", ondelete="CASCADE"), index=True
    )


class Change(Base):
    """The change feed: one row per write to an asset, capacity or allocation."""

    __tablename__ = "change_feed"
    # AUTOINCREMENT: SQLite must never reuse a sequence number, even after a delete.
    __table_args__ = {"sqlite_autoincrement": True}

    seq: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    asset_id: Mapped[int] = mapped_column(index=True)
    entity: Mapped[str] = mapped_column(sa.String(20))
    op: Mapped[str] = mapped_column(sa.String(20))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Append-only audit trail: who did what to which object, with before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(sa.String(200))
    request_id: Mapped[str | None] = mapped_column(sa.String(100))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[str] = mapped_column(sa.String(40))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(sa.Text)
