"""Start-up warm-up of the compiled kernels: a tiny registry answered every way it can be.

numba compiles a kernel for each combination of argument types on its first call (~1-3 s
per kernel, or ~0.1 s from its on-disk cache). Running real queries here, rather than
calling the kernels on made-up arrays, compiles exactly the signatures requests will use
(read-only filter tables, int8 codes, column-major `free`), so no request pays the JIT.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from shapely.geometry import Point

from matching.batch import match_sites
from matching.candidates import RowFilter
from matching.index import AssetIndex
from matching.kernels_distance import point_to_lines
from matching.kernels_route_warm import warm_up_route
from matching.memory_source import MemorySource
from matching.records import AssetRecord, Capacity
from matching.requests import SiteRequest
from matching.site import match_site

log = logging.getLogger(__name__)
_REQUESTS = (
    {"needs": {"antenna_mount": 1}},  # no height condition
    {"needs": {"antenna_mount": 1}, "min_height_m": 10.0},  # mounts counted by height
    {"needs": {"attachment": 1}, "min_height_m": 5.0},  # the asset's own height
)


def _tower(asset_id: int, lon: float, kind: str = "tower") -> AssetRecord:
    resource = "antenna_mount" if kind == "tower" else "attachment"
    return AssetRecord(
        id=asset_id,
        kind=kind,
        status="in_service",
        sensitivity="public",
        owner_id=1,
        owner_name="warm-up",
        owner_sector="tower_company",
        owner_ref=f"WARM-{asset_id}",
        geometry=Point(lon, 0.0),
        height_m=30.0,
        use="telecom" if kind == "pole" else None,
        capacity={resource: Capacity(total=3, free=2, free_heights=(20.0, 25.0))},
    )


def warm_up() -> float:
    """Compile (or load) every site and route kernel now; returns the seconds it took."""
    started = time.perf_counter()
    source = MemorySource([_tower(k, k * 1e-4, ("tower", "pole")[k % 2]) for k in range(40)])
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    points = np.array([[2e-4, 0.0], [1e-3, 0.0]])
    # First with no delta (the base tables' own scans: a registry just built), then with a
    # delta point, so that the fused base-and-delta kernels compile too.
    for delta in (False, True):
        if delta:
            source.put(_tower(99, 5e-5))
        for variant in _REQUESTS:
            request = SiteRequest(Point(2e-4, 0.0), 500.0, limit=3, **variant)
            match_site(index, request)
            match_sites(index, points, request)
        # a near list's candidates: every live asset, through the same compiled scans
        index.scan_radius(2e-4, 0.0, 500.0, RowFilter.live(), lambda table, slots, owners: 0)
    warm_up_route()
    # Near lists' line metres (refine.point_metres, the SpatiaLite near list), as they call it
    point_to_lines(0.0, 0.0, np.zeros(2), np.ones(2), np.array([0, 2], dtype=np.int64))
    seconds = time.perf_counter() - started
    log.info("matching kernels ready in %.2f s", seconds)
    return seconds
