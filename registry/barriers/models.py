"""The barrier table: public rail lines and major roads, not assets (no owner, no sharing)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.db.geometry import ShapelyGeometry
from registry.inventory.models import Base, utcnow


class Barrier(Base):
    """One rail line or major road (a LineString in EPSG:4326) from a source such as OSM."""

    __tablename__ = "barrier"
    __table_args__ = (sa.UniqueConstraint("source", "source_id", name="uq_barrier_source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # matching.rules.BarrierKind
    name: Mapped[str | None] = mapped_column(sa.String(200))
    ref: Mapped[str | None] = mapped_column(sa.String(100))
    source: Mapped[str] = mapped_column(sa.String(100))  # e.g. "osm", "demo"
    source_id: Mapped[str] = mapped_column(sa.String(200))  # stable within the source
    geom = mapped_column(ShapelyGeometry("LINESTRING", spatial_index=True), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # the engine reloads its barriers when the newest of these (or the largest id) changes
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
