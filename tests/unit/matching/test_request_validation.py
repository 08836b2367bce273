"""Requests the engine cannot answer fail early with InvalidRequest naming the field."""

from __future__ import annotations

import math

import pytest
from shapely.geometry import LineString, Point

from matching import InvalidRequest, RouteRequest, SiteRequest
from tests.unit.matching.factories import offset

HERE = Point(116.4, 39.9)
ROUTE = LineString([(116.4, 39.9), (116.41, 39.9)])


def site_error(**overrides) -> InvalidRequest:
    request = {"location": HERE, "radius_m": 500.0, "needs": {"antenna_mount": 1}, **overrides}
    with pytest.raises(InvalidRequest) as caught:
        SiteRequest(**request)
    return caught.value


def route_error(**overrides) -> InvalidRequest:
    request = {"route": ROUTE, "corridor_m": 50.0, "needs": {"subduct": 1}, **overrides}
    with pytest.raises(InvalidRequest) as caught:
        RouteRequest(**request)
    return caught.value


def test_invalid_request_is_a_value_error_with_a_field():
    error = site_error(radius_m=0)
    assert isinstance(error, ValueError)
    assert error.field == "radius_m"


@pytest.mark.parametrize("radius", [0, -5, 50_001, math.nan, math.inf, True])
def test_the_radius_must_be_positive_and_at_most_fifty_kilometres(radius):
    assert site_error(radius_m=radius).field == "radius_m"


@pytest.mark.parametrize("corridor", [0, -1, 1_000.5, math.nan])
def test_the_corridor_must_be_positive_and_at_most_one_kilometre(corridor):
    assert route_error(corridor_m=corridor).field == "corridor_m"


@pytest.mark.parametrize(
    "needs",
    [
        {},
        {"antenna_mount": -1},
        {"antenna_mount": 0},
        {"antenna_mount": 1.5},
        {"antenna_mount": True},
        {"warp_core": 1},
        {"subduct": 1},
    ],
)
def test_site_needs_must_be_known_resources_with_positive_whole_units(needs):
    assert site_error(needs=needs).field == "needs"


def test_a_route_need_that_no_single_kind_can_host_is_refused():
    error = route_error(needs={"subduct": 1, "fiber_core": 2})
    assert error.field == "needs"
    assert "separate requests" in error.message


def test_a_zero_length_route_is_refused():
    assert route_error(route=LineString([(116.4, 39.9), (116.4, 39.9)])).field == "route"


def test_a_route_longer_than_500_km_is_refused_by_name():
    error = route_error(route=LineString([(100.0, 30.0), (106.0, 30.0)]))
    assert error.field == "route"
    assert "500 km" in error.message


def test_a_route_just_under_500_km_is_accepted():
    end = offset(100.0, 30.0, 499_000, 0)
    assert RouteRequest(LineString([(100.0, 30.0), end]), 50.0, {"subduct": 1}).length_m < 500_000


@pytest.mark.parametrize("location", [Point(181, 0), Point(0, 91), Point(math.nan, 0), Point()])
def test_locations_must_be_real_coordinates(location):
    assert site_error(location=location).field == "location"


def test_unknown_kinds_and_sectors_are_refused():
    assert site_error(kinds={"spaceport"}).field == "kinds"
    assert site_error(sectors={"pirate"}).field == "sectors"


@pytest.mark.parametrize("limit", [0, 101, 2.5])
def test_the_limit_is_a_whole_number_from_1_to_100(limit):
    assert site_error(limit=limit).field == "limit"


def test_the_share_threshold_is_a_ratio():
    assert route_error(share_threshold=1.5).field == "share_threshold"
    assert route_error(share_threshold=0).field == "share_threshold"
