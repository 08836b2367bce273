"""The gaps of a route report as GeoJSON: the stretches no candidate covers, as lines along
the route. Gaps shorter than 1 cm are dropped."""

from __future__ import annotations

import numpy as np

from matching import kernels_route_gaps
from matching.kernels_route_rounding import rounded
from matching.path import MetricPath

MIN_GAP_M = 0.01


def features(path: MetricPath, holes: list[tuple[float, float]]) -> dict:
    """The gaps as GeoJSON lines: each hole's two end points and the route vertices between."""
    holes = [(s, e) for s, e in holes if e - s >= MIN_GAP_M]
    if not holes:
        return {"type": "FeatureCollection", "features": []}
    spans = np.array(holes, dtype=np.float64)
    # `path.points_at` of the hole ends: its arithmetic compiled, then the same projection.
    x, y = kernels_route_gaps.metric_points(path.start_m, path.seg_m, path.x, path.y, spans.ravel())
    path.frame.project_in_place(x, y, inverse=True)  # `to_lonlat`, over the fresh x and y
    lon, lat = x, y
    # The route vertices strictly inside each hole, found by bisection (start_m is sorted).
    first, last = (v.tolist() for v in kernels_route_gaps.inner_vertices(path.start_m, spans))
    # Ends and vertices rounded in one call (`rounded` works value by value).
    pairs = [np.column_stack(xy).ravel() for xy in ((lon, lat), (path.lons, path.lats))]
    lonlat = rounded(np.concatenate(pairs), 7)
    ends, vertices = pairs_of(lonlat[: 4 * len(holes)]), pairs_of(lonlat[4 * len(holes) :])
    flat = rounded([m for s, e in holes for m in (s, e, e - s)], 2)
    found = []
    for k in range(len(holes)):
        points = [ends[2 * k], *vertices[first[k] : last[k]], ends[2 * k + 1]]
        found.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": points},
                "properties": {
                    "from_m": flat[3 * k], "to_m": flat[3 * k + 1], "length_m": flat[3 * k + 2]
                },
            }
        )  # fmt: skip
    return {"type": "FeatureCollection", "features": found}


def pairs_of(flat: list[float]) -> list[list[float]]:
    """[x0, y0, x1, y1, ...] -> [[x0, y0], [x1, y1], ...]"""
    return [[x, y] for x, y in zip(flat[::2], flat[1::2], strict=True)]
