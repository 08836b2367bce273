"""A request route in a local metric frame, with geodesic linear referencing along it."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString

from matching import geo, kernels_boxes

PIECE_M = 1_000.0  # route per search box: shorter boxes filter tighter, but cost more compares


class MetricPath:
    """A lon/lat polyline projected into a `LocalFrame`, measured geodesically.

    Positions along the route ("measures", metres from the start) are geodesic: each
    segment's metric parameter t ∈ [0, 1] maps linearly onto that segment's geodesic length,
    so `length_m` equals the geodesic length exactly and frame distortion never accumulates.
    """

    def __init__(self, route: LineString) -> None:
        # `route.coords` as numpy, without the coordinate sequence object (the same doubles)
        coords = shapely.get_coordinates(route).astype(np.float64, copy=False)
        self.lons, self.lats = coords[:, 0], coords[:, 1]
        self.frame = geo.local_frame(*geo.route_centre(self.lons, self.lats))
        self.x, self.y = self.lons.copy(), self.lats.copy()
        self.frame.project_in_place(self.x, self.y)  # `to_metric` without its copies
        self.seg_m = geo.segment_lengths(self.lons, self.lats)
        self.start_m = np.concatenate([[0.0], np.cumsum(self.seg_m)])
        self.length_m = float(self.start_m[-1])
        xy = np.column_stack([self.x, self.y])
        # (start points, direction vectors) of the metric segments, each shaped (n, 2).
        self.segments = (xy[:-1], np.diff(xy, axis=0))

    def search_boxes(self, margin_m: float) -> np.ndarray:
        """Lon/lat boxes covering everything within `margin_m` of the route.

        Each segment is cut into pieces of at most PIECE_M, interpolated in lon/lat. A
        piece's box grows by the margin plus how far the metric-straight segment can bow
        away from the lon/lat-straight one: L²/4R · (1 + tan φ), twice the usual bound.
        """
        lon = self.lons[0] + geo.wrap_lon_delta(self.lons - self.lons[0])
        boxes, ok = kernels_boxes.piece_boxes(lon, self.lats, self.seg_m, float(margin_m), PIECE_M)
        if ok:  # compiled: no box to split at the antimeridian or a pole
            return boxes
        first = np.arange(len(self.seg_m))
        boxes, _ = piece_boxes(lon, self.lats, self.seg_m, first, margin_m)
        return boxes

    def measure(self, segment: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Geodesic measure of the point at parameter t on each given segment."""
        return self.start_m[segment] + t * self.seg_m[segment]

    def points_at(self, measures: np.ndarray) -> np.ndarray:
        """Lon/lat of the route points at the given measures, shaped (n, 2)."""
        measures = np.asarray(measures, dtype=np.float64)
        seg = np.clip(
            np.searchsorted(self.start_m, measures, side="right") - 1, 0, len(self.seg_m) - 1
        )
        span = self.seg_m[seg]
        t = np.divide(
            measures - self.start_m[seg], span, out=np.zeros_like(measures), where=span > 0
        )
        t = np.clip(t, 0.0, 1.0)
        x = self.x[seg] + t * (self.x[seg + 1] - self.x[seg])
        y = self.y[seg] + t * (self.y[seg + 1] - self.y[seg])
        lon, lat = self.frame.to_lonlat(x, y)
        return np.column_stack([lon, lat])

    def piece(self, start_m: float, end_m: float, ends: np.ndarray) -> list[list[float]]:
        """Lon/lat vertices of the route between two measures; `ends` are their two points."""
        inner = np.flatnonzero((self.start_m > start_m) & (self.start_m < end_m))
        middle = np.column_stack([self.lons[inner], self.lats[inner]])
        return np.vstack([ends[:1], middle, ends[1:]]).tolist()


def piece_boxes(lon, lat, seg_m, first, margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Search boxes of segments cut into pieces of at most PIECE_M: (boxes, segment number
    of each box). Segment k runs from vertex first[k] to first[k] + 1 of `lon`/`lat` (lon
    already unwrapped across the antimeridian) and is seg_m[k] long; a box may be split in
    two at the antimeridian."""
    pieces = np.maximum(np.ceil(seg_m / PIECE_M), 1).astype(np.int64)
    seg = np.repeat(np.arange(len(seg_m)), pieces)
    step = np.arange(len(seg)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    t0, t1 = step / pieces[seg], (step + 1) / pieces[seg]
    v = first[seg]
    dlon, dlat = lon[v + 1] - lon[v], lat[v + 1] - lat[v]
    whole = pieces[seg] == 1  # the usual case: the segment's own ends, exactly
    lon0 = np.where(whole, lon[v], lon[v] + t0 * dlon)
    lat0 = np.where(whole, lat[v], lat[v] + t0 * dlat)
    lon1 = np.where(whole, lon[v + 1], lon[v] + t1 * dlon)
    lat1 = np.where(whole, lat[v + 1], lat[v] + t1 * dlat)
    phi = np.radians(np.minimum(np.maximum(np.abs(lat0), np.abs(lat1)), 85.0))
    bulge = seg_m[seg] ** 2 / (4 * geo.EARTH_RADIUS_M) * (1 + np.tan(phi))
    boxes, src = geo.expand_boxes(
        np.minimum(lon0, lon1), np.maximum(lon0, lon1),
        np.minimum(lat0, lat1), np.maximum(lat0, lat1),
        margin_m + 1.0 + bulge,
    )  # fmt: skip
    return boxes, seg[src]
