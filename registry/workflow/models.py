"""Sharing-workflow models: share requests, build requests, their match reports and decisions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import JSON

from registry.db.geometry import ShapelyGeometry
from registry.inventory.models import Base, utcnow


class ShareRequest(Base):
    """An operator's request for units of one asset's resource, held while the owner decides.

    A core swap (纤芯置换) also names the requester's own cable: both holds are placed, and
    later activated or ended, in one transaction.
    """

    __tablename__ = "share_request"
    __table_args__ = (sa.Index("ix_share_request_state_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"), index=True)
    resource: Mapped[str] = mapped_column(sa.String(20))
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    # The asset's owner when the request was made: whose answer is due.
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(sa.String(20))
    units: Mapped[list | None] = mapped_column(JSON)  # asked by number
    count: Mapped[int | None]  # or asked by count
    min_height_m: Mapped[float | None]
    purpose: Mapped[str] = mapped_column(sa.Text)
    allocation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("allocation.id", ondelete="SET NULL")
    )
    swap_asset_id: Mapped[int | None] = mapped_column(sa.ForeignKey("asset.id", ondelete="CASCADE"))
    swap_allocation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("allocation.id", ondelete="SET NULL")
    )
    sharing_mode: Mapped[str | None] = mapped_column(sa.String(40))
    agreement_ref: Mapped[str | None] = mapped_column(sa.String(200))
    reason_code: Mapped[str | None] = mapped_column(sa.String(40))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    build_request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("build_request.id", ondelete="SET NULL"), index=True
    )
    hold_expires_at: Mapped[dt.datetime]
    due_at: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[dt.datetime | None]


class BuildRequest(Base):
    """An operator's wish to build a new site (a Point) or route (a LineString)."""

    __tablename__ = "build_request"
    __table_args__ = (sa.Index("ix_build_request_state_created", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey("organisation.id"), index=True)
    # The approving body the request is addressed to, when known (None: any approver).
    approver_org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))  # "site" or "route"
    geom = mapped_column(ShapelyGeometry("GEOMETRY", spatial_index=False), nullable=False)
    needs: Mapped[dict]
    radius_m: Mapped[float | None]
    corridor_m: Mapped[float | None]
    min_height_m: Mapped[float | None]
    purpose: Mapped[str] = mapped_column(sa.Text)
    wanted_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    state: Mapped[str] = mapped_column(sa.String(20))
    due_at: Mapped[dt.datetime]
    paused_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]


class MatchReport(Base):
    """The engine's answer for a build request, stored unchanged so it can be reproduced."""

    __tablename__ = "match_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    build_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("build_request.id", ondelete="CASCADE"), index=True
    )
    registry_seq: Mapped[int] = mapped_column(sa.BigInteger)
    verdict: Mapped[str] = mapped_column(sa.String(20))
    trigger: Mapped[str] = mapped_column(sa.String(20))  # "submit" or "rematch"
    report: Mapped[dict]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Decision(Base):
    """An approver's ruling on a build request, with its reason and what it set in motion."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    build_request_id: Mapped[int] = mapped_column(
        sa.ForeignKey("build_request.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(sa.String(30))
    actor: Mapped[str] = mapped_column(sa.String(200))
    actor_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisation.id"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    justification: Mapped[str | None] = mapped_column(sa.Text)
    match_report_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("match_report.id", ondelete="SET NULL")
    )
    share_request_ids: Mapped[list] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
