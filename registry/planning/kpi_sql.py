"""SQL pieces for the KPIs: filters, a duration in days per dialect, a median by ORDER BY."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from registry.inventory.models import Asset, Organisation
from registry.workflow.models import BuildRequest, ShareRequest


@dataclass(frozen=True)
class KpiFilter:
    """A period (whole days, UTC) and optional area, organisation and sector.

    `owner_id`/`sector` select an organisation's own figures: the build requests it made,
    the share requests it had to answer and the towers it owns.
    """

    start: dt.date
    end: dt.date
    area: BaseGeometry | None = None
    owner_id: int | None = None
    sector: str | None = None

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), dt.UTC)

    @property
    def until(self) -> dt.datetime:
        """The end of the period: midnight after its last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), dt.UTC)


def _area(geom_column, f: KpiFilter):
    area = sa.func.ST_GeomFromText(f.area.wkt, 4326)
    return sa.func.ST_Intersects(geom_column, area) == sa.true()


def _orgs(f: KpiFilter, column) -> list:
    conds = []
    if f.owner_id is not None:
        conds.append(column == f.owner_id)
    if f.sector is not None:
        conds.append(column.in_(sa.select(Organisation.id).where(Organisation.sector == f.sector)))
    return conds


def build_conditions(f: KpiFilter) -> list:
    """Build requests made in the period, in the area, by the organisation/sector."""
    conds = [BuildRequest.created_at >= f.since, BuildRequest.created_at < f.until]
    if f.area is not None:
        conds.append(_area(BuildRequest.geom, f))
    return conds + _orgs(f, BuildRequest.requester_id)


def share_conditions(f: KpiFilter) -> list:
    """Share requests made in the period, on assets in the area, owed by the organisation."""
    conds = [ShareRequest.created_at >= f.since, ShareRequest.created_at < f.until]
    if f.area is not None:
        on_area = sa.select(Asset.id).where(_area(Asset.geom, f))
        conds.append(ShareRequest.asset_id.in_(on_area))
    return conds + _orgs(f, ShareRequest.owner_id)


def tower_conditions(f: KpiFilter) -> list:
    """Towers in service at the end of the period, in the area, of the organisation/sector."""
    conds = [Asset.kind == "tower", Asset.status == "in_service", Asset.created_at < f.until]
    if f.area is not None:
        conds.append(_area(Asset.geom, f))
    return conds + _orgs(f, Asset.owner_id)


def days_between(dialect: str, start, end):
    """SQL: (end - start) in days, as a float (the one place the dialects differ)."""
    if dialect == "postgresql":
        return sa.extract("epoch", end - start) / 86400.0
    return sa.func.julianday(end) - sa.func.julianday(start)


def median(session, durations) -> float | None:
    """The median of a one-column SELECT, by ORDER BY with LIMIT/OFFSET (both backends)."""
    sub = durations.subquery()
    column = sub.c[0]
    n = session.scalar(sa.select(sa.func.count()).select_from(sub))
    if not n:
        return None
    ordered = sa.select(column).order_by(column)
    middle = list(session.scalars(ordered.limit(2 - n % 2).offset((n - 1) // 2)))
    return float(sum(middle) / len(middle))
