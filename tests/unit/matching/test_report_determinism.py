"""The same request at the same registry seq gives byte-identical JSON."""

from __future__ import annotations

import json

import numpy as np
from shapely.geometry import Point

from matching import AssetIndex, MemorySource, RouteRequest, SiteRequest, match_route, match_site
from tests.unit.matching.factories import random_lines, random_points, random_route

CENTRE = (-46.63, -23.55)


def registry() -> MemorySource:
    rng = np.random.default_rng(5)
    return MemorySource(
        random_points(rng, CENTRE, 400, 500.0) + random_lines(rng, CENTRE, 80, 500.0)
    )


def as_json(report) -> str:
    return json.dumps(report.to_dict(), sort_keys=True)


def test_a_site_request_asked_twice_gives_identical_json():
    index = AssetIndex(registry())
    request = SiteRequest(Point(*CENTRE), 1_000.0, {"antenna_mount": 1}, min_height_m=20.0)
    assert as_json(match_site(index, request)) == as_json(match_site(index, request))


def test_a_route_request_gives_identical_json_from_a_freshly_built_index():
    source = registry()
    route = random_route(np.random.default_rng(9), CENTRE, 500.0, vertices=8)
    request = RouteRequest(route, 60.0, {"fiber_core": 2})
    first = as_json(match_route(AssetIndex(source), request))
    assert first == as_json(match_route(AssetIndex(source), request))
    assert '"-0.0"' not in first and "NaN" not in first


def test_reports_round_metres_to_centimetres():
    index = AssetIndex(registry())
    report = match_site(index, SiteRequest(Point(*CENTRE), 2_000.0, {"antenna_mount": 1}))
    assert all(round(c.distance_m, 2) == c.distance_m for c in report.candidates)
