"""Read-side queries: filtered, paginated asset lists and single assets with their capacity."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.access.masking import bbox_filter
from registry.access.visibility import DEFAULT_GRID_M, visible_condition
from registry.inventory.capacity import held_count_subquery
from registry.inventory.models import Allocation, Asset, Capacity, Change, Organisation
from registry.inventory.near import near_page, ranked_near
from registry.inventory.page_rows import page_rows

__all__ = ["AssetFilter", "AssetPage", "list_assets", "ranked_near", "where_clause"]


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
    mask_grid_m: float = DEFAULT_GRID_M  # the grid of the masked geometry bbox/near judge


@dataclass
class AssetPage:
    """One page of assets: (asset, capacity summaries, distance or None) rows and the total.

    `masked_ids`: the assets shown masked to the caller that the bbox/near filter matched.
    """

    rows: list
    total: int
    masked_ids: list = field(default_factory=list)


def filter_conditions(f: AssetFilter, dialect: str) -> list:
    """SQL conditions on Asset for the filter's attributes (not bbox, near, limit, offset)."""
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
    if f.min_free:
        resource, n = f.min_free
        # Correlated to the asset only: a page query may have capacity rows of its own.
        enough = sa.exists().where(
            Capacity.asset_id == Asset.id,
            Capacity.resource == resource,
            Capacity.total - held_count_subquery() >= n,
        )
        conds.append(enough.correlate(Asset))
    return conds


# The filters a near list's one-trip statement takes as parameters (`bound_filters`): the
# statement is then built and prepared once per filter shape, not per query.
NOW = sa.bindparam("now", type_=Allocation.expires_at.type)  # page_rows.params gives it


@dataclass(frozen=True)
class BoundFilters:
    """Filter conditions with bound parameters: `shape` says which filters (and how many
    kinds), so the same shape is the same SQL; `values` are this query's parameters;
    `literal()` gives where_clause's conditions, for a path that builds its SQL per query."""

    shape: tuple
    conds: list
    values: dict
    literal: Callable[[], list]


def bound_filters(f: AssetFilter, literal: Callable[[], list]) -> BoundFilters:
    """filter_conditions' conditions (not bbox) as SQL with parameters, and their values:
    what a statement reused for every query of the same shape needs. The same conditions
    as filter_conditions, so a near list answers the same either way (tested)."""
    conds, values = [], {}
    kinds = sorted(set(f.kinds))  # a kind given twice is not another shape
    if kinds:
        names = [f"f_kind{n}" for n in range(len(kinds))]
        conds.append(Asset.kind.in_([sa.bindparam(k, type_=Asset.kind.type) for k in names]))
        values.update(zip(names, kinds, strict=True))
    if f.owner_id is not None:
        conds.append(Asset.owner_id == sa.bindparam("f_owner", type_=sa.Integer))
        values["f_owner"] = f.owner_id
    if f.status:
        conds.append(Asset.status == sa.bindparam("f_status", type_=Asset.status.type))
        values["f_status"] = f.status
    if f.sector:
        sector = sa.bindparam("f_sector", type_=Organisation.sector.type)
        conds.append(
            Asset.owner_id.in_(sa.select(Organisation.id).where(Organisation.sector == sector))
        )
        values["f_sector"] = f.sector
    if f.min_free:
        resource = sa.bindparam("f_resource", type_=Capacity.resource.type)
        enough = sa.exists().where(
            Capacity.asset_id == Asset.id,
            Capacity.resource == resource,
            Capacity.total - held_count_subquery(NOW)
            >= sa.bindparam("f_min_free", type_=sa.Integer),
        )
        conds.append(enough.correlate(Asset))
        values["f_resource"], values["f_min_free"] = f.min_free
    shape = (len(kinds), f.owner_id is not None, bool(f.status), bool(f.sector), bool(f.min_free))
    return BoundFilters(shape, conds, values, literal)


def where_clause(session: Session, f: AssetFilter, actor) -> tuple[list, list[int]]:
    """(SQL conditions for the filter, all but `near`, as the actor may see the registry;
    ids of the assets shown masked that the bbox let through).

    Shared by the list endpoint, the exporters and OGC API - Features. The bbox is judged on
    the geometry the actor is shown (registry.access.masking).
    """
    conds = [*filter_conditions(f, session.get_bind().dialect.name), visible_condition(actor)]
    if not f.bbox:
        return conds, []
    cond, masked = bbox_filter(session, actor, f.bbox, f.mask_grid_m, conds)
    return [*conds, cond], masked


def _near_alone(f: AssetFilter) -> bool:
    """True when `near` is the only filter: where_clause would say only who may see what."""
    return not (f.kinds or f.owner_id is not None or f.sector or f.status or f.bbox or f.min_free)


def list_assets(session: Session, f: AssetFilter, actor, index=None) -> AssetPage:
    """Assets matching the filter that the actor may know of, nearest first with `near`
    (candidates from the in-process `index` when one is given and built)."""
    if f.near and _near_alone(f):
        return AssetPage(*near_page(session, f, actor, None, index))
    if f.near and not f.bbox:  # attribute filters: the near statement is reused per shape
        bound = bound_filters(f, lambda: where_clause(session, f, actor)[0])
        return AssetPage(*near_page(session, f, actor, None, index, bound))
    conds, masked = where_clause(session, f, actor)
    if f.near:
        rows, total, masked_near_ids = near_page(session, f, actor, conds, index)
        return AssetPage(rows, total, sorted(set(masked) | set(masked_near_ids)))
    total = session.scalar(sa.select(sa.func.count()).select_from(Asset).where(*conds))
    stmt = sa.select(Asset.id).where(*conds).order_by(Asset.id).limit(f.limit).offset(f.offset)
    ids = list(session.scalars(stmt))
    by_id = page_rows(session, ids)
    return AssetPage(rows=[(*by_id[i], None) for i in ids], total=total, masked_ids=masked)


def registry_seq(session: Session) -> int:
    """The newest change-feed sequence number (0 for an empty registry)."""
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(Change.seq), 0)))


def changes_since(session: Session, seq: int, limit: int = 100_000) -> list[Change]:
    """Change-feed entries after `seq`, oldest first."""
    stmt = sa.select(Change).where(Change.seq > seq).order_by(Change.seq).limit(limit)
    return list(session.scalars(stmt))
