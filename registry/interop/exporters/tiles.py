"""Mapbox vector tiles of the registry: one layer per kind, what a map needs per feature.

Every tile holds, per asset: id, kind, owner (name), status, free_<resource> for each
resource it offers, and masked=true where its position is coarsened. Visibility is the
registry's: confidential assets the caller may not see are absent, restricted ones are
snapped with registry.access.visibility (the same snapping as the API). PostGIS builds the tile
with ST_AsMVT (registry.interop.exporters.tiles_postgis); SpatiaLite here, in Python.
"""

from __future__ import annotations

import functools
import hashlib
import math
from dataclasses import dataclass

import mapbox_vector_tile
import numpy as np
import shapely
import sqlalchemy as sa
from pyproj import Transformer
from sqlalchemy.orm import Session

from registry.access.visibility import (
    DEFAULT_GRID_M,
    METRES_PER_DEGREE,
    disclose_all,
    visible_condition,
)
from registry.db.spatial_sql import bbox_condition, wkb_of
from registry.errors import NotFound, ValidationFailed
from registry.inventory.capacity import held_count_subquery
from registry.inventory.models import Allocation, Asset, Capacity, Organisation, utcnow
from registry.inventory.vocabulary import Resource, Sensitivity

MAX_ZOOM = 24
EXTENT = 4096
BUFFER = 64
HALF_WORLD = 20037508.342789244
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


@dataclass(frozen=True)
class Tile:
    """A z/x/y tile of the Web Mercator grid (y counted from the north)."""

    z: int
    x: int
    y: int

    def check(self) -> None:
        """ValidationFailed (422) for a zoom out of 0..MAX_ZOOM, NotFound for x/y off the grid."""
        if not 0 <= self.z <= MAX_ZOOM:
            raise ValidationFailed("z", f"zoom must be between 0 and {MAX_ZOOM}")
        if not (0 <= self.x < 2**self.z and 0 <= self.y < 2**self.z):
            raise NotFound(f"tile {self.z}/{self.x}/{self.y} does not exist", field="x")

    def mercator_bounds(self) -> tuple[float, float, float, float]:
        size = 2 * HALF_WORLD / 2**self.z
        minx, maxy = -HALF_WORLD + self.x * size, HALF_WORLD - self.y * size
        return minx, maxy - size, minx + size, maxy

    def lonlat_bounds(self, margin_m: float = 0.0) -> tuple[float, float, float, float]:
        """The tile in lon/lat, grown by its buffer and `margin_m` (for snapped positions)."""
        minx, miny, maxx, maxy = self.mercator_bounds()
        grow = (maxx - minx) * BUFFER / EXTENT
        west, south = _lonlat(minx - grow, miny - grow)
        east, north = _lonlat(maxx + grow, maxy + grow)
        dlat = margin_m / METRES_PER_DEGREE
        dlon = dlat / max(0.01, math.cos(math.radians(max(abs(south), abs(north)))))
        return (
            max(-180.0, west - dlon),
            max(-85.06, south - dlat),
            min(180.0, east + dlon),
            min(85.06, north + dlat),
        )


def _lonlat(mx: float, my: float) -> tuple[float, float]:
    lon = math.degrees(mx / 6378137.0)
    lat = math.degrees(2 * math.atan(math.exp(my / 6378137.0)) - math.pi / 2)
    return max(-180.0, min(180.0, lon)), lat


def free_column(resource: str, now=None):
    """Correlated scalar: free units of `resource` on the asset (NULL when it offers none);
    units held at `now` (a time or a bound parameter; default: the time of the call)."""
    return (
        sa.select(Capacity.total - held_count_subquery(now))
        .where(Capacity.asset_id == Asset.id, Capacity.resource == resource)
        .correlate(Asset)
        .scalar_subquery()
        .label(f"free_{resource}")
    )


def etag(seq: int, actor, grid_m: float) -> str:
    """The (weak) ETag value: tiles change with the registry (its seq) and with who looks."""
    grants = ",".join(str(g.grant_id) for g in actor.grants)
    who = f"{actor.name}|{actor.org_id}|{sorted(actor.roles)}|{grants}|{grid_m}"
    return f"{seq}-{hashlib.sha1(who.encode()).hexdigest()[:12]}"


def coarsened(session: Session, actor, box, grid_m: float, uses: dict) -> dict[int, object]:
    """{asset id: snapped geometry} for the assets in `box` the actor may not see exactly.

    Decided by registry.access.visibility.disclose_all (grant uses are collected into `uses`
    and noted for the audit there), which snaps the masked ones together in one pass.
    """
    if actor.is_admin:
        return {}
    dialect = session.get_bind().dialect.name
    stmt = sa.select(Asset.id, Asset.owner_id, Asset.sensitivity, Asset.kind, wkb_of(dialect))
    stmt = stmt.where(
        bbox_condition(dialect, [box]),
        visible_condition(actor),
        Asset.sensitivity != Sensitivity.PUBLIC,
    )
    if actor.org_id is not None:
        stmt = stmt.where(Asset.owner_id != actor.org_id)
    rows = session.execute(stmt).all()
    geoms = list(shapely.from_wkb([bytes(row[4]) for row in rows]))
    return _snapped(actor, [row[:4] for row in rows], geoms, grid_m, uses)


def _snapped(actor, rows, geoms, grid_m: float, uses: dict) -> dict[int, object]:
    """coarsened's answer for (id, owner_id, sensitivity, kind) rows and their geometries."""
    if not rows:
        return {}
    features = [
        {"type": "Feature", "id": asset_id, "geometry": None,
         "properties": {"owner_id": owner_id, "sensitivity": sensitivity, "kind": kind}}
        for asset_id, owner_id, sensitivity, kind in rows
    ]  # fmt: skip
    shown, revealed = disclose_all(actor, features, grid_m, geometries=geoms)
    for grant_id, ids in revealed.items():
        uses.setdefault(grant_id, []).extend(ids)
    return {
        f["id"]: shapely.geometry.shape(f["geometry"])
        for f in shown
        if f["properties"].get("masked")
    }


def render(
    session: Session, actor, tile: Tile, grid_m: float = DEFAULT_GRID_M, uses: dict | None = None
) -> bytes:
    """The tile's bytes (b"" where there is nothing to show)."""
    tile.check()
    uses = {} if uses is None else uses
    box = tile.lonlat_bounds(margin_m=grid_m)
    if session.get_bind().dialect.name == "postgresql":
        from registry.interop.exporters.tiles_postgis import render_postgis

        snapped = coarsened(session, actor, box, grid_m, uses)
        return render_postgis(session, actor, tile, box, snapped)
    return _render_python(session, actor, tile, box, grid_m, uses)


@functools.cache
def _free_columns() -> tuple:
    """free_column of every resource, units held counted at the "tile_now" parameter: made
    once (building them cost ~0.8 ms a tile), the time given at each execution."""
    now = sa.bindparam("tile_now", type_=Allocation.expires_at.type)
    return tuple(free_column(r.value, now) for r in Resource)


def _rows(session: Session, actor, box) -> list:
    dialect = session.get_bind().dialect.name
    columns = (Asset.id, Asset.kind, Organisation.name, Asset.status, wkb_of(dialect),
               Asset.owner_id, Asset.sensitivity)  # fmt: skip
    stmt = (
        sa.select(*columns, *_free_columns())
        .join(Organisation, Organisation.id == Asset.owner_id)
        .where(bbox_condition(dialect, [box]), visible_condition(actor))
        .order_by(Asset.id)
    )
    return session.execute(stmt, {"tile_now": utcnow()}).all()


def _render_python(session: Session, actor, tile: Tile, box, grid_m: float, uses: dict) -> bytes:
    """Every geometry moved to tile units and clipped in one vectorised call each (per
    feature these calls cost more than the tile's query). The box is read once: the assets
    to coarsen are picked from the same rows as coarsened() would select them."""
    rows = _rows(session, actor, box)
    if not rows:
        return b""
    geoms = shapely.from_wkb([bytes(row[4]) for row in rows])
    snapped = {} if actor.is_admin else _snapped_rows(actor, rows, geoms, grid_m, uses)
    for i, row in enumerate(rows):
        if row[0] in snapped:
            geoms[i] = snapped[row[0]]
    local = shapely.transform(geoms, _tile_units(tile))
    clipped = shapely.clip_by_rect(local, -BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    layers: dict[str, list] = {}
    for row, geom, empty in zip(rows, clipped, shapely.is_empty(clipped).tolist(), strict=True):
        if empty:
            continue
        asset_id, kind, owner, status, _, _, _, *free = row
        props = {"kind": kind, "owner": owner, "status": status}
        props.update(
            {f"free_{r.value}": n for r, n in zip(Resource, free, strict=True) if n is not None}
        )
        if asset_id in snapped:
            props["masked"] = True
        layers.setdefault(kind, []).append({"geometry": geom, "properties": props, "id": asset_id})
    if not layers:
        return b""
    return mapbox_vector_tile.encode(
        [{"name": k, "features": f} for k, f in sorted(layers.items())],
        default_options={"extents": EXTENT},  # coordinates are tile units already (y up)
    )


def _snapped_rows(actor, rows, geoms, grid_m: float, uses: dict) -> dict[int, object]:
    """_snapped of the rows coarsened() would select: not public, not the caller's own."""
    picked = [
        i
        for i, row in enumerate(rows)
        if row[6] != Sensitivity.PUBLIC and (actor.org_id is None or row[5] != actor.org_id)
    ]
    chosen = [(rows[i][0], rows[i][5], rows[i][6], rows[i][1]) for i in picked]
    return _snapped(actor, chosen, [geoms[i] for i in picked], grid_m, uses)


def _tile_units(tile: Tile):
    """lon/lat -> tile units (0..EXTENT, y up; the encoder turns y down)."""
    minx, miny, maxx, _ = tile.mercator_bounds()
    scale = EXTENT / (maxx - minx)

    def transform(xy: np.ndarray) -> np.ndarray:
        mx, my = TO_MERCATOR.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([(np.asarray(mx) - minx) * scale, (np.asarray(my) - miny) * scale])

    return transform
