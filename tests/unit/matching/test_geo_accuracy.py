"""Metric helpers stay within 0.5% of the geodesic between 60°S and 60°N, antimeridian included."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString

from matching import geo
from matching.path import MetricPath
from tests.unit.matching.factories import GEOD, offset

LATITUDES = [-60.0, -45.0, -20.0, 0.0, 20.0, 45.0, 60.0]
LONGITUDES = [-179.999, -120.0, 0.0, 116.4, 179.999]


def geodesic(a, b) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2]


@pytest.mark.parametrize("lat", LATITUDES)
@pytest.mark.parametrize("lon", LONGITUDES)
def test_local_frame_distances_are_within_half_a_percent_of_geodesic(lon, lat):
    rng = np.random.default_rng(int(abs(lat * 1000 + lon)))
    frame = geo.local_frame(lon, lat)
    for _ in range(50):
        a = offset(lon, lat, *rng.uniform(-50_000, 50_000, 2))
        b = offset(*a, *rng.uniform(-2_000, 2_000, 2))
        x, y = frame.to_metric(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
        planar = float(np.hypot(x[1] - x[0], y[1] - y[0]))
        assert planar == pytest.approx(geodesic(a, b), rel=0.005)


def test_points_either_side_of_the_antimeridian_are_metres_apart_not_a_world_apart():
    distance = geo.geodesic_distances(179.999, 10.0, np.array([-179.999]), np.array([10.0]))[0]
    assert distance == pytest.approx(geodesic((179.999, 10.0), (-179.999, 10.0)), rel=1e-9)
    assert distance < 250


def test_a_route_across_the_antimeridian_is_measured_the_short_way():
    path = MetricPath(LineString([(179.99, -30.0), (-179.99, -30.0)]))
    assert path.length_m == pytest.approx(geodesic((179.99, -30.0), (-179.99, -30.0)), rel=1e-9)
    assert path.length_m < 2_000


@pytest.mark.parametrize("lat", LATITUDES)
def test_point_to_line_distance_in_the_local_frame_matches_the_geodesic(lat):
    start = offset(179.9995, lat, -300, 0)
    end = offset(179.9995, lat, 300, 0)
    probe = offset(179.9995, lat, 0, 120)
    frame = geo.local_frame(*probe)
    x, y = frame.to_metric(
        np.array([start[0], end[0], probe[0]]), np.array([start[1], end[1], probe[1]])
    )
    line = shapely.linestrings(np.column_stack([x[:2], y[:2]]))
    measured = shapely.distance(shapely.points(x[2], y[2]), line)
    assert measured == pytest.approx(120, rel=0.005)


@pytest.mark.parametrize("lat", [-60.0, -0.001, 0.0, 33.3, 60.0, 89.0])
@pytest.mark.parametrize("lon", [-180.0, -179.9999, 0.0, 179.9999, 180.0])
@pytest.mark.parametrize("radius", [1.0, 500.0, 50_000.0])
def test_radius_boxes_contain_the_whole_geodesic_circle(lon, lat, radius):
    boxes = geo.radius_boxes(lon, lat, radius)
    azimuths = np.linspace(0, 360, 721)
    x, y, _ = GEOD.fwd(np.full(721, lon), np.full(721, lat), azimuths, np.full(721, radius))
    inside = np.zeros(721, dtype=bool)
    for x0, y0, x1, y1 in boxes:
        inside |= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    assert inside.all()
    assert len(boxes) in (1, 2)


def test_a_circle_on_the_antimeridian_gets_two_boxes():
    boxes = geo.radius_boxes(179.9999, 0.0, 1_000.0)
    assert len(boxes) == 2
    assert {round(b[2], 6) for b in boxes} >= {180.0}
    assert {round(b[0], 6) for b in boxes} >= {-180.0}


def test_path_boxes_contain_points_beside_every_segment():
    path = MetricPath(LineString([offset(179.99, 59.0, 0, 0), offset(179.99, 59.0, 4_000, 900)]))
    boxes = path.search_boxes(100.0)
    for fraction in np.linspace(0, 1, 41):
        lon, lat = path.points_at(np.array([fraction * path.length_m]))[0]
        for east, north in [(0, 99.0), (0, -99.0), (99.0, 0), (-99.0, 0)]:
            x, y = offset(lon, lat, east, north)
            assert any(x0 <= x <= x1 and y0 <= y <= y1 for x0, y0, x1, y1 in boxes)


def test_parallel_degree_length_matches_the_geodesic():
    for lat in LATITUDES:
        assert geo.parallel_degree_m(lat) == pytest.approx(geodesic((0, lat), (1, lat)), rel=0.001)


def test_measures_along_a_route_are_geodesic():
    route = LineString([(116.0, 39.0), (116.5, 39.2), (117.2, 39.1)])
    path = MetricPath(route)
    first = geodesic((116.0, 39.0), (116.5, 39.2))
    assert path.length_m == pytest.approx(first + geodesic((116.5, 39.2), (117.2, 39.1)), rel=1e-12)
    ((lon, lat),) = path.points_at(np.array([first]))
    assert geodesic((lon, lat), (116.5, 39.2)) < 0.01


def test_flat_local_distances_stay_within_their_stated_error_of_the_geodesic():
    """geo.local_distances chooses near-list candidates with its error as the only margin: a
    point it puts one part in LOCAL_DISTANCE_ERROR too far would be missing from a list."""
    rng = np.random.default_rng(17)
    n = 20_000
    lat0 = rng.uniform(-geo.LOCAL_DISTANCE_MAX_LAT, geo.LOCAL_DISTANCE_MAX_LAT, n)
    lat0[:200] = rng.choice([-1, 1], 200) * geo.LOCAL_DISTANCE_MAX_LAT  # the worst latitudes
    lon0 = rng.uniform(-180, 180, n)
    lon0[200:400] = rng.choice([-179.9999, 179.9999], 200)  # across the antimeridian
    metres = geo.LOCAL_DISTANCE_MAX_M * rng.choice([1, 1e-2, 1e-4, 1e-7], n) * rng.random(n)
    lon, lat, _ = GEOD.fwd(lon0, lat0, rng.uniform(0, 360, n), metres)
    exact = np.array([geo.geodesic_distances(*c, [x], [y])[0] for *c, x, y in
                      zip(lon0, lat0, lon, lat, strict=True)])  # fmt: skip
    flat = np.array([geo.local_distances(*c, [x], [y])[0] for *c, x, y in
                     zip(lon0, lat0, lon, lat, strict=True)])  # fmt: skip
    assert np.all(np.abs(flat - exact) <= exact * geo.LOCAL_DISTANCE_ERROR + 1e-6)
    # and many at once (as near lists call it) give the same numbers as one by one
    assert np.array_equal(geo.local_distances(lon0[0], lat0[0], lon, lat)[:1], flat[:1])
