"""The site query measures with pyproj only the rows whose distance can change its report."""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, SiteRequest, kernels, match_site
from tests.unit.matching.factories import random_points

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("max_lat", [10.0, 45.0, kernels.APPROX_MAX_LAT + 1.0])
def test_the_approximate_distance_stays_within_its_bound_of_the_geodesic(max_lat):
    rng = np.random.default_rng(int(max_lat))
    n = 4000
    lat0 = rng.uniform(-max_lat, max_lat, n)
    lon0 = rng.choice([rng.uniform(-180, 180), 179.99, -179.99], n)  # across the antimeridian too
    metres = rng.uniform(0.0, 50_000.0, n) * rng.choice([1e-3, 1e-1, 1.0], n)
    lon, lat, _ = GEOD.fwd(lon0, lat0, rng.uniform(0, 360, n), metres)
    exact = GEOD.inv(lon0, lat0, lon, lat)[2]
    approx = np.array([kernels.approx_distance(*q) for q in zip(lon0, lat0, lon, lat, strict=True)])
    bound = kernels.APPROX_REL * approx + kernels.APPROX_ABS_M
    # The bound claims ten times the largest error measured.
    assert np.all(np.abs(approx - exact) <= bound / 10)


def _registry(seed: int, centre: tuple[float, float]) -> MemorySource:
    rng = np.random.default_rng(seed)
    return MemorySource(random_points(rng, centre, 400, 600.0))


@pytest.mark.parametrize(
    "variant",
    [
        {"needs": {"antenna_mount": 1}},
        {"needs": {"antenna_mount": 1}, "limit": 3},
        {"needs": {"antenna_mount": 2}, "min_height_m": 20.0},
        {"needs": {"attachment": 1}, "min_height_m": 8.0, "limit": 1},
    ],
)
def test_reports_equal_those_measuring_every_row_with_pyproj(variant, monkeypatch):
    centre = (108.3, 22.8)
    index = AssetIndex(_registry(5, centre))
    rng = np.random.default_rng(6)
    requests = [
        SiteRequest(Point(centre[0] + dx, centre[1] + dy), radius, **variant)
        for dx, dy, radius in zip(
            rng.normal(0, 0.004, 40), rng.normal(0, 0.004, 40), rng.uniform(50, 800, 40),
            strict=True,
        )
    ]  # fmt: skip
    bounded = [match_site(index, r).to_dict() for r in requests]
    monkeypatch.setattr(kernels, "APPROX_MAX_LAT", -1.0)  # every row measured exactly
    exact = [match_site(index, r).to_dict() for r in requests]
    assert bounded == exact
    assert any(report["candidates"] for report in exact)
