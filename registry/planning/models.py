"""Co-build models: a group of overlapping build requests, and each request's part in it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from registry.inventory.models import Base, utcnow


class CoBuildGroup(Base):
    """Build requests of several organisations that overlap in space and time.

    `open` while its members wait for a decision; `decided` once an approver chose one
    builder, with the planned asset the others hold capacity on.
    """

    __tablename__ = "co_build_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # "site" or "route", as its members
    state: Mapped[str] = mapped_column(sa.String(20), index=True)
    shared_m: Mapped[float | None]  # routes: the stretch the members share
    builder_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("build_request.id", ondelete="SET NULL")
    )
    planned_asset_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("asset.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


class CoBuildMember(Base):
    """One build request's membership: `member` until decided, then `builder` or `tenant`."""

    __tablename__ = "co_build_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        sa.ForeignKey("co_build_group.id", ondelete="CASCADE"), index=True
    )
    build_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("build_request.id", ondelete="CASCADE"), unique=True
    )
    role: Mapped[str] = mapped_column(sa.String(10))
    allocation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("allocation.id", ondelete="SET NULL")
    )
    joined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
