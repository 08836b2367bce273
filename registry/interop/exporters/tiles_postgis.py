"""Vector tiles on PostGIS: ST_AsMVT over ST_AsMVTGeom in ST_TileEnvelope, one layer per kind."""

from __future__ import annotations

import shapely
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY, BYTEA
from sqlalchemy.orm import Session

from registry.access.visibility import visible_condition
from registry.db.spatial_sql import bbox_condition
from registry.interop.exporters.tiles import BUFFER, EXTENT, Tile, free_column
from registry.inventory.models import Asset, Organisation
from registry.inventory.vocabulary import Resource


def _snapped_source(snapped: dict):
    """(id, wkb) rows of the coarsened geometries, as a FROM-able unnest()."""
    ids = sa.bindparam("snapped_ids", list(snapped), type_=ARRAY(sa.Integer))
    wkbs = sa.bindparam(
        "snapped_wkbs", [shapely.to_wkb(g) for g in snapped.values()], type_=ARRAY(BYTEA)
    )
    return sa.func.unnest(ids, wkbs).table_valued("id", "wkb").render_derived("snapped")


def render_postgis(session: Session, actor, tile: Tile, box, snapped: dict) -> bytes:
    """The tile built by PostGIS; `snapped` overrides positions the actor may not see exactly."""
    env = sa.func.ST_TileEnvelope(tile.z, tile.x, tile.y)
    override = _snapped_source(snapped)
    shown = sa.func.coalesce(
        sa.func.ST_GeomFromWKB(override.c.wkb, 4326), sa.cast(Asset.geom, Geometry)
    )
    mvt_geom = sa.func.ST_AsMVTGeom(sa.func.ST_Transform(shown, 3857), env, EXTENT, BUFFER, True)
    rows = (
        sa.select(
            Asset.id,
            Asset.kind,
            Organisation.name.label("owner"),
            Asset.status,
            sa.case((override.c.id.isnot(None), sa.true())).label("masked"),
            *[free_column(r.value) for r in Resource],
            mvt_geom.label("geom"),
        )
        .join(Organisation, Organisation.id == Asset.owner_id)
        .outerjoin(override, override.c.id == Asset.id)
        .where(bbox_condition("postgresql", [box]), visible_condition(actor))
        .subquery("q")
    )
    layers = (
        sa.select(sa.func.ST_AsMVT(sa.literal_column("q"), rows.c.kind, EXTENT, "geom", "id"))
        .where(rows.c.geom.isnot(None))
        .group_by(rows.c.kind)
        .order_by(rows.c.kind)
    )
    return b"".join(bytes(layer) for layer in session.scalars(layers) if layer)
