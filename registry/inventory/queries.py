"""Read-side queries: filtered, paginated asset lists and single assets with their capacity."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.access.visibility import visible_condition
from registry.db.spatial_sql import bbox_condition, near_candidates, split_bbox
from registry.inventory.capacity import capacity_views, held_count_subquery
from registry.inventory.models import Asset, Capacity, Change, Organisation


@dataclass
class AssetFilter:
    """The filters of GET /assets, already validated."""

    kinds: list[str] = field(default_factory=list)
    owner_id: int | None = None
    sector: str | None = None
    status: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    near: tuple[float, float] | None = None
    radius_m: float | None = None
    min_free: tuple[str, int] | None = None
    limit: int = 100
    offset: int = 0


@dataclass
class AssetPage:
    """One page of assets: (asset, capacity views, distance or None) rows and the total."""

    rows: list
    total: int


def filter_conditions(f: AssetFilter, dialect: str) -> list:
    """SQL conditions on Asset for the filter (all but `near`, limit and offset).

    Shared by the list endpoint, the exporters and OGC API - Features.
    """
    conds = []
    if f.kinds:
        conds.append(Asset.kind.in_(f.kinds))
    if f.owner_id is not None:
        conds.append(Asset.owner_id == f.owner_id)
    if f.status:
        conds.append(Asset.status == f.status)
    if f.sector:
        sector_owners = sa.select(Organisation.id).where(Organisation.sector == f.sector)
        conds.append(Asset.owner_id.in_(sector_owners))
    if f.bbox:
        conds.append(bbox_condition(dialect, split_bbox(*f.bbox)))
    if f.min_free:
        resource, n = f.min_free
        conds.append(
            sa.exists().where(
                Capacity.asset_id == Asset.id,
                Capacity.resource == resource,
                Capacity.total - held_count_subquery() >= n,
            )
        )
    return conds


def list_assets(session: Session, f: AssetFilter, actor) -> AssetPage:
    """Assets matching the filter that the actor may know of, nearest first with `near`."""
    conds = [*filter_conditions(f, session.get_bind().dialect.name), visible_condition(actor)]
    if f.near:
        return _list_near(session, f, conds)
    total = session.scalar(sa.select(sa.func.count()).select_from(Asset).where(*conds))
    stmt = sa.select(Asset).where(*conds).order_by(Asset.id).limit(f.limit).offset(f.offset)
    page = list(session.scalars(stmt).unique())
    views = capacity_views(session, page)
    return AssetPage(rows=[(a, views[a.id], None) for a in page], total=total)


def _list_near(session: Session, f: AssetFilter, conds: list) -> AssetPage:
    ranked = near_candidates(session, conds, *f.near, f.radius_m)
    window = ranked[f.offset : f.offset + f.limit]
    by_id = {
        a.id: a
        for a in session.scalars(
            sa.select(Asset).where(Asset.id.in_([i for i, _ in window]))
        ).unique()
    }
    page = [by_id[i] for i, _ in window]
    views = capacity_views(session, page)
    return AssetPage(
        rows=[(a, views[a.id], d) for a, (_, d) in zip(page, window, strict=True)],
        total=len(ranked),
    )


def registry_seq(session: Session) -> int:
    """The newest change-feed sequence number (0 for an empty registry)."""
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(Change.seq), 0)))


def changes_since(session: Session, seq: int, limit: int = 100_000) -> list[Change]:
    """Change-feed entries after `seq`, oldest first."""
    stmt = sa.select(Change).where(Change.seq > seq).order_by(Change.seq).limit(limit)
    return list(session.scalars(stmt))
