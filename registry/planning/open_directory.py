"""The open directory (公共资源开放目录): public-sector assets offered to telecom use.

Read without a token, so it shows only what anyone may know: assets that are public, in
service, owned by a municipal, highway, rail or power body, with unexpired terms and free
capacity; and of them only the geometry, kind, height, free capacity and the terms.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.db.geometry import to_geojson
from registry.db.spatial_sql import bbox_condition, split_bbox
from registry.interop.exporters.tabular import wkt
from registry.inventory.capacity import capacity_views, held_count_subquery
from registry.inventory.models import Asset, Capacity, Organisation
from registry.inventory.vocabulary import Sector, Sensitivity, Status
from registry.planning.terms import OPEN_TERMS, TERM_FIELDS

PUBLIC_SECTORS = (Sector.MUNICIPAL, Sector.HIGHWAY, Sector.RAIL, Sector.POWER)
CSV_COLUMNS = ("id", "kind", "height_m", "free", "wkt", *TERM_FIELDS)


def valid_until_column():
    """SQL: the asset's open_terms.valid_until (YYYY-MM-DD text), on both backends."""
    return Asset.attributes[(OPEN_TERMS, "valid_until")].as_string()


def directory_conditions(dialect: str, today: dt.date, bbox=None, kinds=None) -> list:
    """SQL conditions on Asset for what the directory may list."""
    public_owners = sa.select(Organisation.id).where(
        Organisation.sector.in_([s.value for s in PUBLIC_SECTORS])
    )
    free = sa.exists().where(
        Capacity.asset_id == Asset.id, Capacity.total - held_count_subquery() > 0
    )
    conds = [
        Asset.sensitivity == Sensitivity.PUBLIC.value,
        Asset.status == Status.IN_SERVICE.value,
        Asset.owner_id.in_(public_owners),
        valid_until_column() >= today.isoformat(),
        free,
    ]
    if kinds:
        conds.append(Asset.kind.in_(list(kinds)))
    if bbox:
        conds.append(bbox_condition(dialect, split_bbox(*bbox)))
    return conds


def directory_feature(asset: Asset, views) -> dict:
    """The only things the directory tells: kind, height, free capacity and the terms."""
    props = {
        "kind": asset.kind,
        "height_m": (asset.attributes or {}).get("height_m"),
        "free": {v.resource: v.free for v in views if v.free > 0},
        "open_terms": dict(asset.attributes[OPEN_TERMS]),
    }
    return {
        "type": "Feature",
        "id": asset.id,
        "geometry": to_geojson(asset.geom),
        "properties": props,
    }


def directory_page(
    session: Session, *, bbox=None, kinds=None, ids=None, limit=100, offset=0, today=None
) -> tuple[list[dict], int]:
    """(one page of directory Features by id; how many match in all)."""
    dialect = session.get_bind().dialect.name
    conds = directory_conditions(dialect, today or dt.date.today(), bbox, kinds)
    if ids is not None:
        conds.append(Asset.id.in_(list(ids)))
    total = session.scalar(sa.select(sa.func.count()).select_from(Asset).where(*conds))
    stmt = sa.select(Asset).where(*conds).order_by(Asset.id).limit(limit).offset(offset)
    assets = list(session.scalars(stmt).unique())
    views = capacity_views(session, assets)
    return [directory_feature(a, views[a.id]) for a in assets], total


def directory_csv(features: list[dict]) -> str:
    """The same Features as CSV: one row each, geometry as WKT, terms flattened."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in features:
        p = f["properties"]
        free = ";".join(f"{r}={n}" for r, n in sorted(p["free"].items()))
        terms = [safe_cell(p["open_terms"].get(k, "")) for k in TERM_FIELDS]
        writer.writerow([f["id"], p["kind"], p["height_m"] or "", free, wkt(f["geometry"]), *terms])
    return out.getvalue()


def safe_cell(value):
    """Text written by users cannot start a spreadsheet formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
