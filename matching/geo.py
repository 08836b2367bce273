"""Metric geometry on lon/lat: geodesic distances, local metric frames and degree search boxes.

Accuracy contract (DESIGN.md): every distance or length is within 0.5% of the geodesic value
between 60°S and 60°N, across the antimeridian too.

- Point-to-point distances come from `pyproj.Geod` (WGS84), vectorised over numpy arrays.
- Point-to-line distances, corridors and linear referencing use a `LocalFrame`: a Transverse
  Mercator projection (PROJ's exact Poder/Engsager algorithm) centred on the request. Its
  scale error is about x²/2R², i.e. 1e-4 at 90 km and 8e-4 at 250 km from the centre, far
  inside the budget. We chose tmerc over an ellipsoidal azimuthal-equidistant projection
  because PROJ's aeqd is about four times slower per point.
- Frames are cached by centre rounded to 0.5°, because building one costs ~150 µs, more
  than a whole query. The rounding moves the central meridian by at most 28 km; with a
  50 km radius on top the scale error stays below (78 km)²/2R² ≈ 8e-5, i.e. 8 cm per km.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from pyproj import Geod, Transformer
from pyproj.enums import TransformDirection

GEOD = Geod(ellps="WGS84")
_GEOD_INV = GEOD._inv  # pyproj 3.7, pinned in requirements.txt
EARTH_RADIUS_M = 6_371_008.8
_A = 6_378_137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)
# The shortest degree of latitude (at the equator): a(1 - e²) · π/180.
MIN_LAT_DEGREE_M = _A * (1 - _E2) * math.pi / 180
_SLACK = 1.001  # relative safety margin on degree boxes, for float rounding


def wrap_lon_delta(delta: np.ndarray | float) -> np.ndarray:
    """Bring longitude differences into [-180, 180), so that 179.999 → -179.999 is +0.002°."""
    return (np.asarray(delta, dtype=np.float64) + 180.0) % 360.0 - 180.0


def normalise_lon(lon: float) -> float:
    return float(wrap_lon_delta(lon))


def parallel_degree_m(lat_deg: np.ndarray | float) -> np.ndarray:
    """Length in metres of one degree of longitude at a latitude (ellipsoidal)."""
    phi = np.radians(np.asarray(lat_deg, dtype=np.float64))
    sin = np.sin(phi)
    return _A * np.cos(phi) / np.sqrt(1 - _E2 * sin * sin) * math.pi / 180


def geodesic_distances(lon0: float, lat0: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Geodesic distances in metres from one point to many (WGS84)."""
    if len(lons) == 0:
        return np.empty(0, dtype=np.float64)
    return _inverse(lon0, lat0, lons, lats)[1]


def _inverse(lon0: float, lat0: float, lons, lats) -> tuple[np.ndarray, np.ndarray]:
    """(azimuths in degrees at (lon0, lat0), distances in metres) of the geodesics from there
    to each point, as fresh arrays (the callers' inputs are copied)."""
    n = len(lons)
    lon1, lat1 = np.full(n, float(lon0)), np.full(n, float(lat0))
    lon2, lat2 = np.array(lons, dtype=np.float64), np.array(lats, dtype=np.float64)
    # pyproj's kernel writes (azimuth, back azimuth, distance) over its first three inputs,
    # here fresh copies. Calling it directly skips `Geod.inv`'s scalar attempt and buffer
    # checks (~6 µs of a site query); tested against `Geod.inv`.
    _GEOD_INV(lon1, lat1, lon2, lat2, radians=False, return_back_azimuth=True)
    return lon1, lon2


# Where local_distances stays within LOCAL_DISTANCE_ERROR of the geodesic (relative;
# 3.2e-4 measured at 85 degrees and 50 km, 1e-4 at 80 degrees, 3e-8 below 1 km): tested.
LOCAL_DISTANCE_MAX_M = 51_000.0
LOCAL_DISTANCE_MAX_LAT = 85.0
LOCAL_DISTANCE_ERROR = 1e-3


def local_distances(lon0: float, lat0: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Metres from one point to many, flat: each difference scaled by the ellipsoid's radii of
    curvature at its mid-latitude. Within LOCAL_DISTANCE_ERROR of geodesic_distances (plus
    1e-6 m) for distances up to LOCAL_DISTANCE_MAX_M at latitudes up to
    LOCAL_DISTANCE_MAX_LAT; a bound for choosing candidates, ~2.5x cheaper than the
    geodesic (13 against 33 us warm for 63 points: a handful of array operations against
    Karney's iteration per point)."""
    lats = np.asarray(lats, dtype=np.float64)
    mid = np.radians((lats + lat0) * 0.5)
    sin = np.sin(mid)
    w = 1.0 / np.sqrt(1.0 - _E2 * sin * sin)
    dx = np.radians(wrap_lon_delta(np.asarray(lons, dtype=np.float64) - lon0)) * (np.cos(mid) * w)
    dy = np.radians(lats - lat0) * ((1.0 - _E2) * w * w * w)
    return np.hypot(dx, dy) * _A


def azimuthal_equidistant(lon0: float, lat0: float, coords: np.ndarray) -> tuple:
    """(x, y) in metres of the (lon, lat) rows of `coords` in the azimuthal equidistant frame
    centred on (lon0, lat0): the geodesic from the centre, its length s and its azimuth a
    there, as (s sin a, s cos a). PROJ's aeqd computes the same (geod_inverse, GeographicLib,
    the kernel pyproj's Geod runs), here without a PROJ pipeline made per centre. Fresh,
    contiguous arrays; `coords` is left as it was."""
    azimuth, s = _inverse(lon0, lat0, coords[:, 0], coords[:, 1])
    azimuth = np.radians(azimuth, out=azimuth)
    return s * np.sin(azimuth), s * np.cos(azimuth)


def segment_lengths(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Geodesic length in metres of each segment of a polyline."""
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    if lons.size < 2:
        return np.empty(0, dtype=np.float64)
    lon1, lat1, lon2, lat2 = lons[:-1].copy(), lats[:-1].copy(), lons[1:].copy(), lats[1:].copy()
    _GEOD_INV(lon1, lat1, lon2, lat2, radians=False, return_back_azimuth=True)  # see above
    return lon2


class LocalFrame:
    """A Transverse Mercator frame in metres, centred on (lon0, lat0)."""

    __slots__ = ("_transformer", "lat0", "lon0")

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0 = lon0 = float(lon0)
        self.lat0 = lat0 = float(lat0)
        self._transformer = Transformer.from_pipeline(
            "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
            f"+step +proj=tmerc +lat_0={lat0!r} +lon_0={lon0!r} +ellps=WGS84"
        )

    def to_metric(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._transformer.transform(
            np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
        )
        return np.asarray(x), np.asarray(y)

    def to_lonlat(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._transformer.transform(
            np.asarray(x, dtype=np.float64),
            np.asarray(y, dtype=np.float64),
            direction=TransformDirection.INVERSE,
        )
        return np.asarray(lon), np.asarray(lat)

    def project_in_place(self, x: np.ndarray, y: np.ndarray, inverse: bool = False) -> None:
        """`to_metric` (or `to_lonlat`) written over x and y, which must be C-contiguous
        float64 arrays the caller owns: PROJ's own call, without `transform`'s copies and
        checks (~5 µs a call; pyproj 3.7, pinned in requirements.txt)."""
        way = TransformDirection.INVERSE if inverse else TransformDirection.FORWARD
        self._transformer._transformer._transform(x, y, None, None, way, False, False)


@lru_cache(maxsize=1024)
def _cached_frame(lon_key: float, lat_key: float) -> LocalFrame:
    return LocalFrame(lon_key, lat_key)


def local_frame(lon: float, lat: float) -> LocalFrame:
    """A cached metric frame whose centre is within 0.25° of (lon, lat)."""
    return _cached_frame(_half_degree(normalise_lon(lon)), _half_degree(lat))


def _half_degree(value: float) -> float:
    return round(value * 2) / 2 + 0.0


def route_centre(lons: np.ndarray, lats: np.ndarray) -> tuple[float, float]:
    """Centre of a polyline's bounding box, measured across the antimeridian when shorter."""
    lons = np.asarray(lons, dtype=np.float64)
    lats = np.asarray(lats, dtype=np.float64)
    unwrapped = lons[0] + wrap_lon_delta(lons - lons[0])
    lon = (unwrapped.min() + unwrapped.max()) / 2
    return (float(lon) + 180.0) % 360.0 - 180.0, float((lats.min() + lats.max()) / 2)


def expand_boxes(lo, hi, lat_lo, lat_hi, margin_m) -> tuple[np.ndarray, np.ndarray]:
    """Grow lon/lat boxes by `margin_m` metres and split them at the antimeridian.

    Sound, not approximate: a path of length r changes latitude by at most r / MIN_LAT_DEGREE_M
    degrees and, while it stays below latitude φ, longitude by at most r / parallel_degree_m(φ).
    Returns (boxes as rows of minx, miny, maxx, maxy; index of the input box each came from).
    """
    dlat = np.asarray(margin_m) / MIN_LAT_DEGREE_M * _SLACK + 1e-9
    y0 = np.maximum(lat_lo - dlat, -90.0)
    y1 = np.minimum(lat_hi + dlat, 90.0)
    edge = np.minimum(np.maximum(np.abs(y0), np.abs(y1)), 89.999)
    dlon = np.asarray(margin_m) / parallel_degree_m(edge) * _SLACK + 1e-9
    x0 = lo - dlon
    x1 = hi + dlon
    src = np.arange(len(x0))
    left, right = x0 < -180.0, x1 > 180.0
    if not (left.any() or right.any() or edge.max(initial=0.0) >= 89.99):
        return np.column_stack([x0, y0, x1, y1]), src  # the usual case: nothing to split
    full = (x1 - x0 >= 360.0) | (edge >= 89.99)
    x0 = np.where(full, -180.0, x0)
    x1 = np.where(full, 180.0, x1)
    left, right = x0 < -180.0, x1 > 180.0
    inside = ~(left | right)
    parts = [
        (x0[inside], y0[inside], x1[inside], y1[inside], src[inside]),
        (x0[left] + 360.0, y0[left], np.full(left.sum(), 180.0), y1[left], src[left]),
        (np.full(left.sum(), -180.0), y0[left], x1[left], y1[left], src[left]),
        (x0[right], y0[right], np.full(right.sum(), 180.0), y1[right], src[right]),
        (np.full(right.sum(), -180.0), y0[right], x1[right] - 360.0, y1[right], src[right]),
    ]
    boxes = np.concatenate([np.column_stack(p[:4]) for p in parts]).reshape(-1, 4)
    return boxes, np.concatenate([p[4] for p in parts])


def radius_boxes(lon: float, lat: float, radius_m: float) -> np.ndarray:
    """One or two lon/lat boxes (minx, miny, maxx, maxy) that surely contain the circle.

    The scalar twin of `expand_boxes`, written with `math` because this runs on every site query.
    """
    dlat = radius_m / MIN_LAT_DEGREE_M * _SLACK + 1e-9
    y0, y1 = max(lat - dlat, -90.0), min(lat + dlat, 90.0)
    edge = min(max(abs(y0), abs(y1)), 89.999)
    phi = math.radians(edge)
    parallel = _A * math.cos(phi) / math.sqrt(1 - _E2 * math.sin(phi) ** 2) * math.pi / 180
    dlon = radius_m / parallel * _SLACK + 1e-9
    x0, x1 = lon - dlon, lon + dlon
    if x1 - x0 >= 360.0 or edge >= 89.99:
        return np.array([[-180.0, y0, 180.0, y1]])
    if x0 < -180.0:
        return np.array([[x0 + 360.0, y0, 180.0, y1], [-180.0, y0, x1, y1]])
    if x1 > 180.0:
        return np.array([[x0, y0, 180.0, y1], [-180.0, y0, x1 - 360.0, y1]])
    return np.array([[x0, y0, x1, y1]])


def line_boxes(coords: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index boxes for many lines (CSR coords), grown by how far a long segment can bulge.

    A straight segment in lon/lat and the same segment straight in a metric frame part by
    up to ~L²/8R · (1 + tan φ); we grow each box by twice that for its longest segment.
    Returns (boxes, line row of each box); lines across the antimeridian get two boxes.
    """
    starts = offsets[:-1]
    if not len(starts):
        return np.empty((0, 4)), np.empty(0, dtype=np.int64)
    row = np.repeat(np.arange(len(starts)), np.diff(offsets))
    first = coords[starts, 0]
    lon = first[row] + wrap_lon_delta(coords[:, 0] - first[row])
    lat = coords[:, 1]
    same = row[1:] == row[:-1]
    dx = np.diff(lon) * parallel_degree_m(lat[1:])
    dy = np.diff(lat) * MIN_LAT_DEGREE_M
    seg2 = np.append(np.where(same, dx * dx + dy * dy, 0.0), 0.0)
    lat_lo = np.minimum.reduceat(lat, starts)
    lat_hi = np.maximum.reduceat(lat, starts)
    phi = np.radians(np.minimum(np.maximum(np.abs(lat_lo), np.abs(lat_hi)), 85.0))
    margin = np.maximum.reduceat(seg2, starts) / (4 * EARTH_RADIUS_M) * (1 + np.tan(phi))
    return expand_boxes(
        np.minimum.reduceat(lon, starts), np.maximum.reduceat(lon, starts), lat_lo, lat_hi, margin
    )
