"""The demo city's barriers: its railway track, ring expressway and arterials, as checked lines."""

from __future__ import annotations

import numpy as np
from shapely.geometry import LineString, Point

from registry.barriers.files import read_features
from seed_data import demo_city
from seed_data.orgs import RAILWAY

SCALE = 0.05


def test_the_city_has_one_railway_and_its_major_roads_with_stable_ids():
    found = demo_city.barriers(42, SCALE)
    assert [f["properties"]["id"] for f in found["rail"]] == ["rail"]
    roads = [f["properties"]["id"] for f in found["major_road"]]
    assert roads[0] == "ring" and len(roads) > 10 and len(set(roads)) == len(roads)
    assert demo_city.barriers(42, SCALE) == found  # same seed, same lines
    west, south, east, north = demo_city.city_bbox(SCALE)
    for features in found.values():
        for f in features:
            xy = np.array(f["geometry"]["coordinates"])
            assert (west <= xy[:, 0]).all() and (xy[:, 0] <= east).all()
            assert (south <= xy[:, 1]).all() and (xy[:, 1] <= north).all()
    for kind, features in found.items():
        assert len(read_features(kind, features)) == len(features)  # the registry takes them


def test_the_track_runs_beside_the_railways_cable_trough_not_on_it():
    track = LineString(demo_city.barriers(42, SCALE)["rail"][0]["geometry"]["coordinates"])
    _, features = demo_city.generate(42, SCALE)
    trough = [
        f
        for f in features
        if (f["properties"]["owner"], f["properties"]["kind"]) == (RAILWAY, "duct")
    ]
    assert trough
    metres_per_degree = 111_000 * np.cos(np.radians(22.8))
    for f in trough:
        for lon, lat in f["geometry"]["coordinates"]:
            gap = track.distance(Point(lon, lat)) * metres_per_degree
            assert 4.0 < gap < 8.0
