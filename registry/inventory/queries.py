"""Read-side queries: filtered, paginated asset lists and single assets with their capacity."""

from __future__ import annotations

from dataclasses import dataclass, field

import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.candidates import SENSITIVITY_CODE
from registry.access.masking import bbox_filter, distance_to, masked_condition, masked_near
from registry.access.visibility import DEFAULT_GRID_M, snap, visible_condition
from registry.db.spatial_sql import distance_m, lines_distance_m, near_candidates, wkb_of
from registry.inventory.capacity import capacity_summaries, held_count_subquery
from registry.inventory.models import Asset, Capacity, Change, Organisation
from registry.inventory.vocabulary import Sensitivity

MAX_INDEX_CANDIDATES = 2000


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


@dataclass(frozen=True, slots=True)
class Owner:
    """The owner fields a list row shows."""

    name: str
    sector: str


@dataclass(frozen=True, slots=True)
class AssetRow:
    """An asset as a list page reads it: the columns asset_feature needs, no ORM object."""

    id: int
    kind: str
    owner_id: int
    owner: Owner
    owner_ref: str
    status: str
    sensitivity: str
    attributes: dict
    created_at: object
    updated_at: object
    geom: object  # a shapely geometry


def asset_rows(session: Session, ids) -> dict[int, AssetRow]:
    """{id: AssetRow} for the given asset ids: one query, geometries parsed in one call."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    wkb = wkb_of(session.get_bind().dialect.name)
    rows = []
    for start in range(0, len(ids), 500):
        stmt = (
            sa.select(
                Asset.id,
                Asset.kind,
                Asset.owner_id,
                Organisation.name,
                Organisation.sector,
                Asset.owner_ref,
                Asset.status,
                Asset.sensitivity,
                Asset.attributes,
                Asset.created_at,
                Asset.updated_at,
                wkb,
            )
            .join(Organisation, Organisation.id == Asset.owner_id)
            .where(Asset.id.in_(ids[start : start + 500]))
        )
        rows += session.execute(stmt).all()
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows])
    owners: dict = {}
    out = {}
    for r, g in zip(rows, geoms, strict=True):
        owner = owners.get((r[3], r[4])) or owners.setdefault((r[3], r[4]), Owner(r[3], r[4]))
        out[r[0]] = AssetRow(r[0], r[1], r[2], owner, r[5], r[6], r[7], r[8], r[9], r[10], g)
    return out


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
        conds.append(
            sa.exists().where(
                Capacity.asset_id == Asset.id,
                Capacity.resource == resource,
                Capacity.total - held_count_subquery() >= n,
            )
        )
    return conds


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


def index_candidates(index, f: AssetFilter) -> list[int] | None:
    """Ids of the assets the database must measure for `near`, from the in-process index
    (caught up from the change feed first); None when there is no index ready.

    A superset: public assets the index puts within radius_m (plus 0.5% and 1 m, for the
    difference between its metric and the database's), others within radius_m + the mask
    grid (a masked asset is judged on its snapped geometry). The database still measures
    each one, so the answer is the SQL path's.
    """
    if index is None or index.seq < 0:
        return None
    lon, lat = f.near
    found = index.within_radius(lon, lat, f.radius_m + f.mask_grid_m)
    rows, metres = found.rows, found.distance_m
    public = rows.sensitivity == SENSITIVITY_CODE[Sensitivity.PUBLIC.value]
    keep = ~public | (metres <= f.radius_m * 1.005 + 1.0)
    ids = sorted({int(i) for i in rows.asset_id[keep]})
    # A wide search is one the database's own spatial index does as well, without a huge IN.
    return ids if len(ids) <= MAX_INDEX_CANDIDATES else None


def ranked_near(
    session: Session, f: AssetFilter, actor, conds: list, index=None
) -> tuple[list, list[int]]:
    """([(asset id, metres)] within radius_m of `near`, nearest first, ties by id; the ids of
    the assets shown masked among them). Masked assets are measured to their masked form.

    With an in-process `index` (registry.engine's AssetIndex), candidates come from it and
    rows are fetched by id; without, the database's spatial index finds them.
    """
    lon, lat = f.near
    ids = index_candidates(index, f)
    if ids is not None:
        return _ranked_among(session, f, actor, conds, ids)
    in_full = near_candidates(
        session, [*conds, sa.not_(masked_condition(actor))], lon, lat, f.radius_m, ids
    )
    masked = masked_near(session, actor, conds, lon, lat, f.radius_m, f.mask_grid_m, ids)
    ranked = sorted(in_full + masked, key=lambda pair: (pair[1], pair[0]))
    return ranked, [i for i, _ in masked]


def _ranked_among(session: Session, f: AssetFilter, actor, conds: list, ids: list[int]):
    """ranked_near's answer from candidate `ids` in one query: what near_candidates (assets
    shown in full: SQL distance for points, lines measured in Python on SpatiaLite) and
    masked_near (assets shown masked: measured to their snapped geometry) say, each row
    told apart by the masked condition as a column rather than by two more queries."""
    lon, lat = f.near
    dialect = session.get_bind().dialect.name
    masked = masked_condition(actor)
    dist = distance_m(dialect, lon, lat)
    if dialect == "sqlite":
        measured_in_sql = sa.and_(sa.func.GeometryType(Asset.geom) == "POINT", sa.not_(masked))
    else:
        measured_in_sql = sa.not_(masked)
    stmt = sa.select(
        Asset.id,
        sa.type_coerce(masked, sa.Boolean),
        sa.case((measured_in_sql, dist), else_=None),
        sa.case((measured_in_sql, None), else_=wkb_of(dialect)),
    ).where(*conds, Asset.id.in_(ids))
    rows = session.execute(stmt).all()
    found, lines, shown_masked = [], [], []
    for asset_id, is_masked, d, wkb in rows:
        if is_masked is None:  # neither NOT masked nor masked held: in neither query
            continue
        if wkb is None:
            if d is not None and d <= f.radius_m:
                found.append((asset_id, float(d)))
        elif is_masked:
            shown_masked.append((asset_id, wkb))
        else:
            lines.append((asset_id, wkb))
    if lines:
        geoms = shapely.from_wkb([bytes(w) for _, w in lines])
        metres = lines_distance_m(list(geoms), lon, lat)
        found += [(i, float(d)) for (i, _), d in zip(lines, metres, strict=True) if d <= f.radius_m]
    in_masked = []
    for (asset_id, _), geom in zip(
        shown_masked, shapely.from_wkb([bytes(w) for _, w in shown_masked]), strict=True
    ):
        d = distance_to(snap(geom, f.mask_grid_m), lon, lat)
        if d <= f.radius_m:
            in_masked.append((asset_id, d))
    ranked = sorted(found + in_masked, key=lambda pair: (pair[1], pair[0]))
    return ranked, [i for i, _ in in_masked]


def list_assets(session: Session, f: AssetFilter, actor, index=None) -> AssetPage:
    """Assets matching the filter that the actor may know of, nearest first with `near`
    (candidates from the in-process `index` when one is given and built)."""
    conds, masked = where_clause(session, f, actor)
    if f.near:
        return _list_near(session, f, actor, conds, masked, index)
    total = session.scalar(sa.select(sa.func.count()).select_from(Asset).where(*conds))
    stmt = sa.select(Asset.id).where(*conds).order_by(Asset.id).limit(f.limit).offset(f.offset)
    ids = list(session.scalars(stmt))
    by_id = asset_rows(session, ids)
    page = [by_id[i] for i in ids]
    views = capacity_summaries(session, ids)
    return AssetPage(rows=[(a, views[a.id], None) for a in page], total=total, masked_ids=masked)


def _list_near(session: Session, f: AssetFilter, actor, conds, masked, index) -> AssetPage:
    ranked, masked_near_ids = ranked_near(session, f, actor, conds, index)
    window = ranked[f.offset : f.offset + f.limit]
    by_id = asset_rows(session, [i for i, _ in window])
    page = [by_id[i] for i, _ in window]
    views = capacity_summaries(session, by_id)
    return AssetPage(
        rows=[(a, views[a.id], d) for a, (_, d) in zip(page, window, strict=True)],
        total=len(ranked),
        masked_ids=sorted(set(masked) | set(masked_near_ids)),
    )


def registry_seq(session: Session) -> int:
    """The newest change-feed sequence number (0 for an empty registry)."""
    return session.scalar(sa.select(sa.func.coalesce(sa.func.max(Change.seq), 0)))


def changes_since(session: Session, seq: int, limit: int = 100_000) -> list[Change]:
    """Change-feed entries after `seq`, oldest first."""
    stmt = sa.select(Change).where(Change.seq > seq).order_by(Change.seq).limit(limit)
    return list(session.scalars(stmt))
