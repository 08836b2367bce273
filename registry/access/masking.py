"""Spatial filters that reveal no more than the mask: for an asset a caller sees masked, the
`bbox` and `near`/`radius_m` filters decide on the masked (grid-snapped) geometry.

Otherwise bisecting a bbox, or trilaterating with near and radius_m, pins a restricted asset
down to the centimetre although every response shows it snapped. Assets shown in full are
filtered in SQL as before; the few shown masked are found in a box grown by one grid step
(index-assisted), snapped with registry.access.visibility.snap (the very geometry the caller
is shown), and tested in Python. Queries that touch masked assets are audited (the entry
is `probe_details`; registry.history.probe_log writes it), so that repeated probing is
visible.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
import sqlalchemy as sa
from pyproj import Geod
from shapely.geometry import Point

from registry.access.visibility import (
    METRES_PER_DEGREE,
    _grant_sql,
    sees_everything,
    snap_many,
)
from registry.db.spatial_sql import (
    aeqd_frame,
    bbox_condition,
    lines_distance_m,
    radius_bboxes,
    split_bbox,
    wkb_of,
)
from registry.inventory.models import Asset, utcnow
from registry.inventory.vocabulary import Sensitivity

GEOD = Geod(ellps="WGS84")
MAX_IDS_AUDITED = 100


def masked_condition(actor):
    """SQL condition on Asset: the actor is shown this asset masked (restricted, not entitled)."""
    if sees_everything(actor):
        return sa.false()
    conds = [Asset.sensitivity == Sensitivity.RESTRICTED]
    if actor.org_id is not None:
        conds.append(Asset.owner_id != actor.org_id)
    now = utcnow()
    conds += [sa.not_(_grant_sql(g, now)) for g in actor.grants]
    return sa.and_(*conds)


def grown(box: tuple, grid_m: float) -> tuple:
    """The box grown by one grid step: snapping moves a vertex by at most half a step."""
    minx, miny, maxx, maxy = box
    dlat = grid_m / METRES_PER_DEGREE
    far = min(89.0, max(abs(miny), abs(maxy)) + 1.0)
    dlon = grid_m / (METRES_PER_DEGREE * max(0.1, math.cos(math.radians(far))))
    return (
        max(-180.0, minx - dlon),
        max(-90.0, miny - dlat),
        min(180.0, maxx + dlon),
        min(90.0, maxy + dlat),
    )


def _masked_rows(session, actor, conds: list, boxes: list, ids=None):
    """(id, precise geometry) of the assets shown masked whose geometry meets the boxes (or,
    when given, among candidate `ids` that surely include those)."""
    dialect = session.get_bind().dialect.name
    where = Asset.id.in_(sorted(ids)) if ids is not None else bbox_condition(dialect, boxes)
    stmt = sa.select(Asset.id, wkb_of(dialect)).where(*conds, masked_condition(actor), where)
    rows = session.execute(stmt).all()
    # Plain WKB parsed in one call: the Geometry column type parsed each row alone.
    geoms = shapely.from_wkb([bytes(wkb) for _, wkb in rows])
    return [(asset_id, g) for (asset_id, _), g in zip(rows, geoms, strict=True)]


def masked_in_bbox(session, actor, conds: list, bbox: tuple, grid_m: float) -> list[int]:
    """Ids of the assets shown masked to the actor whose masked geometry meets the bbox."""
    boxes = split_bbox(*bbox)
    shapes = [shapely.box(*b) for b in boxes]
    rows = _masked_rows(session, actor, conds, [grown(b, grid_m) for b in boxes])
    snapped = snap_many([g for _, g in rows], grid_m)
    pairs = zip(rows, snapped, strict=True)
    return sorted(i for (i, _), g in pairs if any(g.intersects(s) for s in shapes))


def bbox_filter(session, actor, bbox: tuple, grid_m: float, conds=()) -> tuple:
    """(SQL condition: in the bbox, judged on the geometry the actor is shown; the ids of the
    assets shown masked that it lets through)."""
    dialect = session.get_bind().dialect.name
    precise = bbox_condition(dialect, split_bbox(*bbox))
    if sees_everything(actor):
        return precise, []
    shown_in_full = sa.and_(sa.not_(masked_condition(actor)), precise)
    masked = masked_in_bbox(session, actor, list(conds), bbox, grid_m)
    return (sa.or_(shown_in_full, Asset.id.in_(masked)) if masked else shown_in_full), masked


def distance_to(geometry, lon: float, lat: float) -> float:
    """Geodesic metres from (lon, lat) to a point or line geometry."""
    if isinstance(geometry, Point):
        return float(GEOD.inv(lon, lat, geometry.x, geometry.y)[2])
    if geometry.geom_type == "LineString":
        return float(lines_distance_m([geometry], lon, lat)[0])
    parts = getattr(geometry, "geoms", None)
    if parts:  # a line snapped to one grid cell stays a line; other shapes are measured by part
        return min(distance_to(p, lon, lat) for p in parts)
    exterior = shapely.geometry.LineString(geometry.exterior.coords)
    return float(lines_distance_m([exterior], lon, lat)[0])


def distance_to_route(geometry, route: list) -> float:
    """Metres from a geometry to a route given as [[lon, lat], ...] (local metric frame)."""
    line = shapely.geometry.LineString(route)
    centre = line.interpolate(0.5, normalized=True)
    frame = aeqd_frame(round(centre.x, 7), round(centre.y, 7))

    def local(xy):
        return np.column_stack(frame(xy[:, 0], xy[:, 1]))

    return float(shapely.transform(line, local).distance(shapely.transform(geometry, local)))


def masked_near(session, actor, conds: list, lon, lat, radius_m, grid_m, ids=None) -> list[tuple]:
    """[(asset id, metres to its masked geometry)] within radius_m, for assets shown masked.

    `ids`: candidates within radius_m + grid_m of (lon, lat), if already known.
    """
    if sees_everything(actor):
        return []
    # Snapping moves a vertex at most half a grid diagonal (< grid_m) away.
    boxes = radius_bboxes(lon, lat, radius_m + grid_m)
    rows = _masked_rows(session, actor, conds, boxes, ids)
    out = []
    for (asset_id, _), masked in zip(rows, snap_many([g for _, g in rows], grid_m), strict=True):
        d = distance_to(masked, lon, lat)
        if d <= radius_m:
            out.append((asset_id, d))
    return out


def probe_subject(actor) -> str | int:
    """Whom a `masked_query` entry is about: the caller's organisation (or name)."""
    return actor.org_id if actor.org_id is not None else actor.name


def probe_details(where: str, spatial: dict, masked_ids: list[int]) -> dict:
    """A `masked_query` entry's `after`: where, the filter used and the masked ids matched."""
    return {
        "where": where,
        "filter": spatial,
        "masked_asset_ids": sorted(masked_ids)[:MAX_IDS_AUDITED],
        "masked_count": len(masked_ids),
    }
