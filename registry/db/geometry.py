"""Geometry at the registry's edges: one column type (shapely in, shapely out) and validation."""

from __future__ import annotations

import math

import shapely
from geoalchemy2 import Geometry
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.types import TypeDecorator

from registry.errors import InvalidGeometry
from registry.inventory.vocabulary import LINE_KINDS, POINT_KINDS, Kind

SRID = 4326


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


def parse_geojson(obj, field: str = "geometry") -> BaseGeometry:
    """Turn a GeoJSON geometry mapping into a valid shapely geometry, or raise InvalidGeometry."""
    if not isinstance(obj, dict) or "type" not in obj or "coordinates" not in obj:
        raise InvalidGeometry(field, "must be a GeoJSON geometry with 'type' and 'coordinates'")
    if obj["type"] not in ("Point", "LineString", "Polygon", "MultiLineString", "MultiPoint"):
        raise InvalidGeometry(field, f"geometry type {obj['type']!r} is not supported")
    try:
        geom = shape(obj)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise InvalidGeometry(field, f"coordinates are malformed ({exc})") from None
    check_coordinates(geom, field)
    return geom


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
        raise InvalidGeometry(field, "longitude must be between -180 and 180")
    if (abs(coords[:, 1]) > 90).any():
        raise InvalidGeometry(field, "latitude must be between -90 and 90")


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
