"""POST /api/v1/match/site and /route over HTTP: verdicts, explanations, 422s naming the field."""

from __future__ import annotations

import pytest

SITE = [108.366, 22.817]


@pytest.fixture
def towers(client):
    org = client.post(
        "/api/v1/organisations", json={"name": "China Tower Guangxi", "sector": "tower_company"}
    ).json
    for ref, lon, lat, total in [("full", 108.3661, 22.8171, 0), ("free", 108.3672, 22.8175, 3)]:
        r = client.post(
            "/api/v1/assets",
            json={
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "kind": "tower",
                    "owner_id": org["id"],
                    "owner_ref": ref,
                    "height_m": 40,
                    "capacity": {"antenna_mount": {"total": total, "heights": [40.0] * total}},
                },
            },
        )
        assert r.status_code == 201, r.json
    return org


def test_a_site_next_to_a_tower_with_free_mounts_gets_share(client, towers):
    r = client.post(
        "/api/v1/match/site",
        json={
            "location": {"type": "Point", "coordinates": SITE},
            "radius_m": 500,
            "needs": {"antenna_mount": 1},
            "min_height_m": 30,
        },
    )
    body = r.json
    assert r.status_code == 200 and body["verdict"] == "share"
    assert [c["owner_ref"] for c in body["candidates"]] == ["free"]
    best = body["candidates"][0]
    assert best["sharing_mode"] == "co_location" and best["free"] == {"antenna_mount": 3}
    assert 100 < best["distance_m"] < 200 and best["explanation"]
    assert body["registry_seq"] >= 1


def test_a_mount_higher_than_any_tower_means_build_new(client, towers):
    body = client.post(
        "/api/v1/match/site",
        json={
            "location": {"type": "Point", "coordinates": SITE},
            "radius_m": 500,
            "needs": {"antenna_mount": 1},
            "min_height_m": 60,
        },
    ).json
    assert body["verdict"] == "build_new" and body["candidates"] == []
    assert body["reason"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "location": {"type": "Point", "coordinates": [200, 1]},
                "radius_m": 5,
                "needs": {"antenna_mount": 1},
            },
            "location",
        ),
        (
            {
                "location": {"type": "Point", "coordinates": SITE},
                "radius_m": 0,
                "needs": {"antenna_mount": 1},
            },
            "radius_m",
        ),
        (
            {
                "location": {"type": "Point", "coordinates": SITE},
                "radius_m": 10,
                "needs": {"antenna_mount": 0},
            },
            "needs",
        ),
        (
            {
                "location": {"type": "Point", "coordinates": SITE},
                "radius_m": 10,
                "needs": {"water": 1},
            },
            "needs",
        ),
        (
            {
                "location": {"type": "LineString", "coordinates": [SITE, [108.4, 22.8]]},
                "radius_m": 10,
                "needs": {"antenna_mount": 1},
            },
            "location",
        ),
        ({"radius_m": 10, "needs": {"antenna_mount": 1}}, "location"),
    ],
)
def test_bad_site_requests_are_422_naming_the_field(client, body, field):
    r = client.post("/api/v1/match/site", json=body)
    assert r.status_code == 422, r.json
    assert field in str(r.json["errors"])


@pytest.mark.parametrize(
    ("route", "field"),
    [
        ({"type": "LineString", "coordinates": [SITE, SITE]}, "route"),
        ({"type": "LineString", "coordinates": [[100, 20], [106, 20]]}, "route"),
        ({"type": "Point", "coordinates": SITE}, "route"),
    ],
)
def test_zero_length_overlong_or_non_line_routes_are_422(client, route, field):
    r = client.post(
        "/api/v1/match/route", json={"route": route, "corridor_m": 50, "needs": {"fiber_core": 12}}
    )
    assert r.status_code == 422 and field in r.json["errors"], r.json


def test_a_route_with_no_cable_nearby_is_all_gap(client, towers):
    body = client.post(
        "/api/v1/match/route",
        json={
            "route": {"type": "LineString", "coordinates": [SITE, [108.376, 22.817]]},
            "corridor_m": 50,
            "needs": {"fiber_core": 12},
        },
    ).json
    assert body["verdict"] == "build_new" and body["coverage_ratio"] == 0
    assert body["gaps"]["type"] == "FeatureCollection"
    assert body["gaps"]["features"][0]["properties"]["length_m"] == pytest.approx(
        body["route_length_m"], abs=0.01
    )
