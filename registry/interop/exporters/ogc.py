"""Queries behind OGC API - Features: per-kind extents, and pages of visible items."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.access.visibility import DEFAULT_GRID_M, visible_condition
from registry.interop.exporters.features import conditions, count, iter_features
from registry.inventory.models import Asset
from registry.inventory.queries import AssetFilter


@dataclass(frozen=True)
class Extent:
    """Where and when a collection's items are: lon/lat box and updated_at interval."""

    bbox: tuple[float, float, float, float]
    first: dt.datetime
    last: dt.datetime
    count: int


def _box_columns(dialect: str) -> list:
    if dialect == "postgresql":
        box = sa.func.ST_Extent(Asset.geom)
        return [
            sa.func.ST_XMin(box),
            sa.func.ST_YMin(box),
            sa.func.ST_XMax(box),
            sa.func.ST_YMax(box),
        ]
    return [
        sa.func.min(sa.func.MbrMinX(Asset.geom)),
        sa.func.min(sa.func.MbrMinY(Asset.geom)),
        sa.func.max(sa.func.MbrMaxX(Asset.geom)),
        sa.func.max(sa.func.MbrMaxY(Asset.geom)),
    ]


def kind_extents(session: Session, actor) -> dict[str, Extent]:
    """{kind: Extent} over the assets the actor may know of (kinds without any are absent)."""
    dialect = session.get_bind().dialect.name
    stmt = (
        sa.select(
            Asset.kind,
            *_box_columns(dialect),
            sa.func.min(Asset.updated_at),
            sa.func.max(Asset.updated_at),
            sa.func.count(),
        )
        .where(visible_condition(actor))
        .group_by(Asset.kind)
    )
    out = {}
    for kind, x0, y0, x1, y1, first, last, n in session.execute(stmt):
        out[kind] = Extent((float(x0), float(y0), float(x1), float(y1)), first, last, n)
    return out


def _between(interval):
    start, end = interval
    conds = []
    if start is not None:
        conds.append(Asset.updated_at >= start)
    if end is not None:
        conds.append(Asset.updated_at <= end)
    return conds


def items_page(
    session: Session,
    kind: str,
    actor,
    *,
    bbox=None,
    interval=(None, None),
    limit=10,
    offset=0,
    grid_m: float = DEFAULT_GRID_M,
    uses: dict | None = None,
    masked: list | None = None,
) -> tuple[list[dict], int]:
    """(features of one kind the actor may see, as presented; how many match in all).

    `masked` collects the ids of assets shown masked that the bbox let through (to audit).
    """
    f = AssetFilter(kinds=[kind], bbox=bbox, mask_grid_m=grid_m)
    conds = conditions(session, f, actor, _between(interval), masked)
    matched = count(session, conds)
    features = list(iter_features(session, conds, actor, grid_m, uses, limit, offset))
    return features, matched


def one_item(
    session: Session,
    kind: str,
    asset_id: int,
    actor,
    grid_m=DEFAULT_GRID_M,
    uses: dict | None = None,
) -> dict | None:
    """The asset as a presented Feature, or None (missing, another kind, or hidden)."""
    conds = conditions(session, AssetFilter(kinds=[kind]), actor, [Asset.id == asset_id])
    return next(iter(iter_features(session, conds, actor, grid_m, uses)), None)
