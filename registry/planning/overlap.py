"""Do build requests overlap in space? Sites by geodesic distance, routes by shared stretch."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from matching.geo import local_frame
from registry.db.geo import GEOD
from registry.planning.rules import CoBuildRules


def site_distance_m(a: BaseGeometry, b: BaseGeometry) -> float:
    """Geodesic metres between two site points."""
    return float(GEOD.inv(a.x, a.y, b.x, b.y)[2])


def _metric(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    lon, lat = geoms[0].coords[0]
    frame = local_frame(lon, lat)

    def project(xy):
        return np.column_stack(frame.to_metric(xy[:, 0], xy[:, 1]))

    return [shapely.transform(g, project) for g in geoms]


def shared_stretch_m(routes: list[BaseGeometry], corridor_m: float) -> float:
    """Metres of the first route that runs within `corridor_m` of every other route."""
    metric = _metric(routes)
    common = metric[0]
    for other in metric[1:]:
        # Flat caps: a stretch counts only alongside the other route, not past its ends.
        common = common.intersection(other.buffer(corridor_m, cap_style="flat"))
        if common.is_empty:
            return 0.0
    return float(common.length)


def fits(kind: str, geoms: list[BaseGeometry], rules: CoBuildRules) -> float | None:
    """How well a set of requests overlaps: shared metres (routes), or the largest pairwise
    distance (sites); None when they do not overlap enough to be built together."""
    if kind == "route":
        shared = min(
            shared_stretch_m(geoms[i:] + geoms[:i], rules.corridor_m) for i in range(len(geoms))
        )
        return shared if shared >= rules.min_shared_m else None
    worst = max(
        (site_distance_m(a, b) for i, a in enumerate(geoms) for b in geoms[i + 1 :]), default=0.0
    )
    return worst if worst <= rules.site_distance_m else None
