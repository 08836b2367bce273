"""Warm-up of the compiled route kernels (`kernels_route`): one tiny route query, alone and
as a batch.

numba compiles each kernel on its first call (~12 s for the route kernels without the
on-disk cache, ~0.5 s loading it). `warm_up_route()` answers a real route request on a
tiny registry so that exactly the signatures requests use are compiled; call it beside
`kernels_warm.warm_up()` at start-up so that no route request pays the JIT.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from shapely.geometry import LineString

from matching.batch_route import match_routes
from matching.index import AssetIndex
from matching.kernels_route_rounding import rounded
from matching.memory_source import MemorySource
from matching.records import AssetRecord, Capacity
from matching.requests import RouteRequest
from matching.route import match_route

log = logging.getLogger(__name__)


def _cable(asset_id: int, lat: float) -> AssetRecord:
    return AssetRecord(
        id=asset_id,
        kind="fiber_cable",
        status="in_service",
        sensitivity="public",
        owner_id=asset_id % 2 + 1,
        owner_name="warm-up",
        owner_sector="telecom",
        owner_ref=f"WARM-{asset_id}",
        geometry=LineString([(0.0, lat), (2e-3, lat), (2e-3 + 1e-4, lat + 1e-4)]),
        capacity={"fiber_core": Capacity(total=48, free=24)},
    )


def warm_up_route() -> float:
    """Compile (or load) every route kernel now; returns the seconds it took."""
    started = time.perf_counter()
    source = MemorySource([_cable(k, k * 1e-5) for k in range(6)])
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    source.put(_cable(99, 3e-5))  # a delta line, so that the delta line scan compiles too
    route = LineString([(-1e-4, 0.0), (1e-3, 2e-5), (3e-3, 0.0)])
    request = RouteRequest(route, 50.0, {"fiber_core": 12})
    match_route(index, request)
    # The batch calls the route kernels one by one (`match_route` runs them inside
    # `kernels_route_corridor.corridor_cover`): its signatures, too, at start-up.
    match_routes(index, [route], request)
    rounded(np.zeros(16), 2)  # the report's rounding, whatever the tiny report above needed
    seconds = time.perf_counter() - started
    log.info("route kernels ready in %.2f s", seconds)
    return seconds
