"""The route warm-up compiles every signature that real route queries use."""

from __future__ import annotations

from matching import (
    kernels,
    kernels_boxes,
    kernels_probe,
    kernels_route,
    kernels_route_corridor,
    kernels_route_cover,
    kernels_route_gaps,
    kernels_route_rounding,
)
from matching.kernels_route_warm import warm_up_route
from tests.unit.matching import golden_routes

KERNELS = (
    kernels_route.near_pairs,
    kernels_route.projection,
    kernels_route.pieces,
    kernels_route.merge_pieces,
    kernels_route.lateral_legs,
    kernels_route_corridor.corridor_cover,
    kernels_route_corridor.gather_vertices,
    kernels.site_columns,  # the candidates' columns, read from the line tables
    kernels_route_rounding._round_scaled,
    kernels_route_cover.greedy_cover,
    kernels_route_cover.totals,
    kernels_route_gaps.metric_points,
    kernels_route_gaps.inner_vertices,
    kernels_probe.scan_lines,
    kernels_probe.scan_boxes,
    kernels_boxes.piece_boxes,
)


def test_route_queries_after_the_warm_up_compile_nothing_new():
    warm_up_route()
    compiled = [len(k.signatures) for k in KERNELS]
    assert all(compiled)
    golden_routes.reports()
    assert [len(k.signatures) for k in KERNELS] == compiled
