"""Geometry at the registry's edges: one column type (shapely in, shapely out) and validation."""

from __future__ import annotations

import logging
import math

import numpy as np
import shapely
from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.types import TypeDecorator

from registry.errors import InvalidGeometry
from registry.inventory.vocabulary import LINE_KINDS, POINT_KINDS, Kind

SRID = 4326
log = logging.getLogger(__name__)


class ShapelyGeometry(TypeDecorator):
    """A GeoAlchemy2 Geometry column that reads and writes shapely geometries (SRID 4326)."""

    impl = Geometry
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY", **kwargs):
        kwargs.setdefault("srid", SRID)
        super().__init__(geometry_type=geometry_type, **kwargs)

    def process_bind_param(self, value, dialect):
        if value is None or not isinstance(value, BaseGeometry):
            return value
        return from_shape(value, srid=SRID)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return to_shape(value)


# How deep the positions sit in each geometry type's "coordinates".
DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2}
SHAPES = {
    "Point": "[lon, lat]",
    "MultiPoint": "[[lon, lat], ...]",
    "LineString": "[[lon, lat], [lon, lat], ...] (at least two positions)",
    "MultiLineString": "[[[lon, lat], [lon, lat], ...], ...]",
    "Polygon": "[[[lon, lat], ... back to the first position], ...] (rings of 4+ positions)",
}


def parse_geojson(obj, field: str = "geometry") -> BaseGeometry:
    """Turn a GeoJSON geometry mapping into a valid shapely geometry, or raise InvalidGeometry.

    The structure is checked before shapely sees it, so that a bad shape gets a message in
    GeoJSON's terms (and never a library's). A third number in a position (elevation) is
    accepted and dropped: the registry is 2D.
    """
    if not isinstance(obj, dict) or "type" not in obj or "coordinates" not in obj:
        raise InvalidGeometry(field, "must be a GeoJSON geometry with 'type' and 'coordinates'")
    kind = obj["type"]
    if not isinstance(kind, str) or kind not in DEPTH:
        allowed = ", ".join(DEPTH)
        raise InvalidGeometry(field, f"type must be one of {allowed}")
    if not _well_formed(obj["coordinates"], kind, DEPTH[kind]):
        raise InvalidGeometry(field, f"a {kind}'s coordinates must look like {SHAPES[kind]}")
    try:
        geom = shapely.force_2d(shape({"type": kind, "coordinates": obj["coordinates"]}))
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
        log.info("shapely refused a %s that passed the structure check", kind, exc_info=True)
        message = f"a {kind}'s coordinates must look like {SHAPES[kind]}"
        raise InvalidGeometry(field, message) from None
    check_coordinates(geom, field)
    return geom


def _is_number(v) -> bool:
    # An int too big for a float is not a coordinate (and would overflow in numpy).
    return isinstance(v, float) or (
        isinstance(v, int) and not isinstance(v, bool) and -1e15 < v < 1e15
    )


def _is_position(value) -> bool:
    return isinstance(value, list | tuple) and len(value) in (2, 3) and all(map(_is_number, value))


def _well_formed(coords, kind: str, depth: int) -> bool:
    """True when `coords` nests positions as deep as the type wants, in sensible numbers."""
    if depth == 0:
        return _is_position(coords)
    if not isinstance(coords, list | tuple) or not coords:
        return False
    if kind == "LineString" and len(coords) < 2:
        return False
    if kind == "Polygon" and depth == 1 and len(coords) < 4:
        return False
    inner = {"MultiLineString": "LineString", "Polygon": "Polygon"}.get(kind, kind)
    return all(_well_formed(c, inner, depth - 1) for c in coords)


def check_coordinates(geom: BaseGeometry, field: str = "geometry") -> None:
    """Reject empty geometries, NaN/inf and lon/lat outside ±180/±90."""
    if geom.is_empty:
        raise InvalidGeometry(field, "is empty")
    coords = shapely.get_coordinates(geom)
    # Fast path (bulk imports validate millions of features): NaN fails these comparisons too.
    if all(-180 <= x <= 180 and -90 <= y <= 90 for x, y in coords.tolist()):
        return
    if not all(math.isfinite(v) for v in coords.ravel()):
        raise InvalidGeometry(field, "contains NaN or infinite coordinates")
    if (abs(coords[:, 0]) > 180).any():
        raise InvalidGeometry(field, "longitude must be between -180 and 180" + swap_hint(coords))
    if (abs(coords[:, 1]) > 90).any():
        raise InvalidGeometry(field, "latitude must be between -90 and 90" + swap_hint(coords))


def swap_hint(coords) -> str:
    """A hint when the positions would be valid read the other way round: [lat, lon]."""
    xy = np.asarray(coords, dtype=float).reshape(-1, 2)
    if (np.abs(xy[:, 0]) <= 90).all() and (np.abs(xy[:, 1]) <= 180).all():
        return "; the positions look like [lat, lon]: GeoJSON wants [lon, lat]"
    return ""


def check_asset_geometry(kind: Kind, geom: BaseGeometry, field: str = "geometry") -> None:
    """Point kinds need a Point, line kinds a simple LineString of non-zero length."""
    check_coordinates(geom, field)
    if kind in POINT_KINDS and not isinstance(geom, Point):
        raise InvalidGeometry(field, f"a {kind} needs a Point, not a {geom.geom_type}")
    if kind in LINE_KINDS:
        if not isinstance(geom, LineString):
            raise InvalidGeometry(field, f"a {kind} needs a LineString, not a {geom.geom_type}")
        if geom.length == 0:
            raise InvalidGeometry(field, "the LineString has zero length")
        if not geom.is_simple:
            raise InvalidGeometry(field, "the LineString intersects itself")


def to_geojson(geom: BaseGeometry) -> dict:
    """The RFC 7946 GeoJSON mapping of a shapely geometry."""
    return shapely.geometry.mapping(geom)


def to_geojson_many(geoms) -> list[dict]:
    """to_geojson of each geometry of a page, 2-D points and lines read in one shapely call.

    The mapping per geometry cost ~2.7 µs (a coordinate sequence per geometry); this builds
    the same dicts, tuples of Python floats included, from one coordinate array.
    """
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms
    types = shapely.get_type_id(arr)
    plain = (types <= 1) & ~shapely.has_z(arr) & ~shapely.is_empty(arr)
    rows = shapely.get_coordinates(arr[plain]).tolist()
    counts = iter(shapely.get_num_coordinates(arr[plain]).tolist())
    out, start = [], 0
    for geom, kind, simple in zip(geoms, types.tolist(), plain.tolist(), strict=True):
        if not simple:
            out.append(shapely.geometry.mapping(geom))
            continue
        n = next(counts)
        if kind == 0:
            out.append({"type": "Point", "coordinates": tuple(rows[start])})
        else:
            coords = tuple(map(tuple, rows[start : start + n]))
            out.append({"type": "LineString", "coordinates": coords})
        start += n
    return out
