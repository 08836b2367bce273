"""Exact metric refinement of box hits: keep the slots within reach, then copy them out.

Distances are measured before any row is copied, so only true candidates pay for `rows()`.
"""

from __future__ import annotations

import numpy as np
import shapely

from matching import corridor, geo
from matching.candidates import Found, Rows
from matching.columns import AssetTable
from matching.kernels_distance import point_to_lines
from matching.path import MetricPath
from matching.ragged import RaggedView


def metric_vertices(
    frame: geo.LocalFrame, table: AssetTable, slots: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the lines at `slots` in `frame`, and the position in `slots` of each."""
    if not len(slots):
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    coords = RaggedView.of(table.coords, slots).packed()
    flat = coords.values
    owner = np.repeat(np.arange(len(slots)), np.diff(coords.offsets))
    x, y = frame.to_metric(flat[:, 0], flat[:, 1])
    return np.column_stack([x, y]), owner


def near_point(
    table: AssetTable, slots: np.ndarray, lon: float, lat: float, radius_m: float, owners
) -> tuple[Rows, np.ndarray]:
    """Rows within `radius_m` of (lon, lat): geodesic for points, a local frame for lines."""
    distance = point_metres(table, slots, lon, lat)
    keep = distance <= radius_m
    return table.rows(slots[keep], owners), distance[keep]


def point_metres(table: AssetTable, slots: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Metres from (lon, lat) to the assets at `slots` as near_point measures them (for
    callers that need a column or two of the rows within reach, not all of them)."""
    if table.line:
        return _line_metres(table, slots, lon, lat)
    return geo.geodesic_distances(lon, lat, table.lon[slots], table.lat[slots])


def _line_metres(table: AssetTable, slots: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Planar metres in the local frame from (lon, lat) to the lines at `slots`. The centre
    is projected in the vertices' PROJ call (each point is projected on its own), and the
    distances are GEOS's, computed without building a LineString per line (kernels_distance)."""
    frame = geo.local_frame(lon, lat)
    coords = RaggedView.of(table.coords, slots).packed()
    flat, offsets = coords.values, coords.offsets
    if not len(slots) or np.diff(offsets).min() < 2:  # GEOS's answer (or error) as it was
        xy, owner = metric_vertices(frame, table, slots)
        x0, y0 = frame.to_metric(np.array([lon]), np.array([lat]))
        lines = shapely.linestrings(xy, indices=owner) if len(slots) else np.empty(0, object)
        return shapely.distance(shapely.points(x0[0], y0[0]), lines)
    n = len(flat)
    x, y = np.empty(n + 1), np.empty(n + 1)  # the vertices, then the centre
    x[:n], y[:n], x[n], y[n] = flat[:, 0], flat[:, 1], lon, lat
    frame.project_in_place(x, y)  # to_metric over these fresh arrays, without its copies
    return point_to_lines(x[n], y[n], x, y, offsets.astype(np.int64, copy=False))


def near_path(
    table: AssetTable, slots: np.ndarray, path: MetricPath, corridor_m: float, owners
) -> Found:
    """Lines within `corridor_m` of the route, with their vertices in the route's frame."""
    xy, owner = metric_vertices(path.frame, table, slots)
    distance, pairs = corridor.row_distances(path, xy, owner, len(slots), corridor_m)
    inside = distance <= corridor_m
    keep = np.flatnonzero(inside)
    renumber = np.cumsum(inside) - 1  # row numbers among the kept rows
    vertex = inside[owner]
    rows = table.rows(slots[keep], owners)
    pairs = pairs.take(inside[pairs.row], renumber)
    return Found(-1, rows, distance[keep], xy[vertex], renumber[owner[vertex]], pairs)
