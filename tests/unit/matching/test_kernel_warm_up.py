"""The start-up warm-up compiles every signature that real site queries use."""

from __future__ import annotations

import dataclasses

import numpy as np

from matching import AssetIndex, kernels, kernels_batch, kernels_probe, match_site
from matching.batch import match_sites
from matching.candidates import RowFilter
from matching.kernels_warm import warm_up
from tests.unit.matching import golden_sites
from tests.unit.matching.test_fast_paths import registry

KERNELS = (
    kernels.scan_points,
    kernels.scan_sorted,
    kernels_probe.scan_points_and_delta,
    kernels_probe.scan_lines,
    kernels.site_pick,
    kernels.site_bounds,
    kernels.site_columns,
    kernels_batch.batch_scan_points,
    kernels_batch.batch_scan_sorted,
    kernels_batch.batch_pick,
)


def test_queries_after_the_warm_up_compile_nothing_new():
    warm_up()
    compiled = [len(k.signatures) for k in KERNELS]
    source = registry(seed=8)
    index = AssetIndex(source, rebuild_in_background=False)
    index.build()
    first = next(r for r in source.records() if r.geometry.geom_type == "Point")
    centre = first.geometry
    for delta in (0, 1):  # a registry just built (no delta), then one with a change
        if delta:
            source.put(dataclasses.replace(first, id=10**6))  # lands in the delta table
        for k in range(len(golden_sites.VARIANTS)):
            request = golden_sites.template(k)
            match_site(index, dataclasses.replace(request, location=centre))
            match_sites(index, np.array([[centre.x, centre.y]]), request)
        # a near list's candidates (registry.inventory.near)
        index.scan_radius(centre.x, centre.y, 600.0, RowFilter.live(), lambda *_: None)
        assert index.stats()["delta_points"] == delta
    assert [len(k.signatures) for k in KERNELS] == compiled
