"""Every bad input gets its 4xx with a message naming the field, and writes nothing."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from registry.inventory.models import AuditEntry, Change

POINT = {"type": "Point", "coordinates": [108.366, 22.817]}
LINE = {"type": "LineString", "coordinates": [[108.36, 22.81], [108.37, 22.82]]}


def _feature(geometry=POINT, **props):
    base = {
        "kind": "tower",
        "owner_id": 1,
        "owner_ref": "T-1",
        "capacity": {"antenna_mount": {"total": 6}},
    }
    return {"type": "Feature", "geometry": geometry, "properties": {**base, **props}}


BAD_ASSETS = [
    ("malformed coordinates", _feature({"type": "Point", "coordinates": ["a"]}), "geometry"),
    (
        "a self-intersecting line",
        _feature(
            {"type": "LineString", "coordinates": [[0, 0], [1, 1], [1, 0], [0, 1]]},
            kind="duct",
            capacity={},
        ),
        "geometry",
    ),
    (
        "a NaN coordinate",
        _feature({"type": "Point", "coordinates": [float("nan"), 22.8]}),
        "geometry",
    ),
    ("longitude beyond 180", _feature({"type": "Point", "coordinates": [181, 22.8]}), "geometry"),
    ("latitude beyond 90", _feature({"type": "Point", "coordinates": [108, -90.5]}), "geometry"),
    ("a Point for a duct", _feature(kind="duct", capacity={"subduct": {"total": 4}}), "geometry"),
    ("a LineString for a tower", _feature(LINE), "geometry"),
    (
        "a negative capacity",
        _feature(capacity={"antenna_mount": {"total": -1}}),
        "properties.capacity.antenna_mount.total",
    ),
    ("an unknown kind", _feature(kind="satellite"), "properties.kind"),
    (
        "a capacity the kind cannot offer",
        _feature(capacity={"fiber_core": {"total": 12}}),
        "properties.capacity.fiber_core",
    ),
    ("an unknown attribute", _feature(colour="red"), "properties.colour"),
    ("a height that is text", _feature(height_m="tall"), "properties.height_m"),
    ("an unknown owner", _feature(owner_id=999), "properties.owner_id"),
    ("a missing owner_ref", _feature(owner_ref=""), "properties.owner_ref"),
]


@pytest.fixture
def base(live_server, http):
    r = http.post(
        f"{live_server}/api/v1/organisations",
        json={"name": "China Tower Guangxi", "sector": "tower_company"},
    )
    assert r.status_code == 201
    return live_server


def _written(app) -> tuple[int, int]:
    with app.extensions["infrashare"].session_factory() as session:
        return (
            session.scalar(sa.select(sa.func.count()).select_from(Change)),
            session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)),
        )


@pytest.mark.parametrize(("case", "feature", "field"), BAD_ASSETS, ids=[c[0] for c in BAD_ASSETS])
def test_a_bad_asset_is_refused_with_422_naming_the_field(http, base, app, case, feature, field):
    before = _written(app)
    r = http.post(
        f"{base}/api/v1/assets",
        data=json.dumps(feature),
        headers={"Content-Type": "application/json"},
    )
    body = r.json()
    assert r.status_code == 422, body
    assert set(body) == {"code", "status", "message", "errors"}
    assert field in body["errors"], body
    assert field in body["message"]
    assert _written(app) == before
    assert http.get(f"{base}/api/v1/assets").json()["numberMatched"] == 0


def test_an_unknown_asset_id_is_404(http, base):
    for method in ("get", "patch", "delete"):
        r = http.request(method, f"{base}/api/v1/assets/12345", json={})
        assert r.status_code == 404 and r.json()["status"] == "not_found"


def test_a_duplicate_owner_ref_is_409_and_keeps_the_first(http, base, app):
    assert http.post(f"{base}/api/v1/assets", json=_feature()).status_code == 201
    before = _written(app)
    r = http.post(f"{base}/api/v1/assets", json=_feature(height_m=50))
    assert r.status_code == 409 and r.json()["status"] == "duplicate_owner_ref"
    assert "properties.owner_ref" in r.json()["errors"]
    assert _written(app) == before


def test_a_bad_patch_is_refused_and_changes_nothing(http, base, app):
    asset = http.post(f"{base}/api/v1/assets", json=_feature(height_m=30)).json()
    before = _written(app)
    r = http.patch(
        f"{base}/api/v1/assets/{asset['id']}",
        json={"geometry": LINE, "properties": {"height_m": 99}},
    )
    assert r.status_code == 422 and "geometry" in r.json()["errors"]
    after = http.get(f"{base}/api/v1/assets/{asset['id']}").json()
    assert after["geometry"] == asset["geometry"] and after["properties"]["height_m"] == 30
    assert _written(app) == before


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "100,50,110,40"}, "bbox"),
        ({"near": "108,22"}, "radius_m"),
        ({"near": "200,22", "radius_m": 10}, "near"),
        ({"near": "108,22", "radius_m": -5}, "radius_m"),
        ({"kind": "spaceship"}, "kind"),
        ({"min_free": "fiber_core:lots"}, "min_free"),
        ({"min_free": "water:3"}, "min_free"),
        ({"limit": 0}, "limit"),
        ({"sector": "navy"}, "sector"),
    ],
)
def test_bad_list_filters_get_422_naming_the_parameter(http, base, params, field):
    r = http.get(f"{base}/api/v1/assets", params=params)
    assert r.status_code == 422
    assert field in r.json()["errors"]["query"]


def test_a_body_that_is_not_json_is_400(http, base):
    r = http.post(
        f"{base}/api/v1/assets", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 400
    assert set(r.json()) == {"code", "status", "message", "errors"}


ONE_POINT_LINE = {"type": "LineString", "coordinates": [[108.36, 22.81]]}
BIG = 2**63


def _one_error(r, status=422) -> dict:
    body = r.json()
    assert r.status_code == status, body
    assert set(body) == {"code", "status", "message", "errors"}
    return body


def test_a_one_point_line_is_refused_wherever_a_line_goes_in(http, base):
    cable = _feature(ONE_POINT_LINE, kind="fiber_cable", capacity={"fiber_core": {"total": 12}})
    tower = http.post(f"{base}/api/v1/assets", json=_feature()).json()
    calls = [
        ("post", "/api/v1/assets", cable),
        ("patch", f"/api/v1/assets/{tower['id']}", {"geometry": ONE_POINT_LINE}),
        ("put", "/api/v1/assets/by-ref/1/T-1", cable),
        (
            "post",
            "/api/v1/build-requests",
            {"geometry": ONE_POINT_LINE, "needs": {"fiber_core": 2}, "corridor_m": 50},
        ),
        (
            "post",
            "/api/v1/match/route",
            {"route": ONE_POINT_LINE, "corridor_m": 50, "needs": {"fiber_core": 2}},
        ),
    ]
    for method, path, body in calls:
        if "build-requests" in path:
            body = {**body, "purpose": "a new cable"}
        field = "route" if "match" in path else "geometry"
        answer = _one_error(http.request(method, f"{base}{path}", json=body))
        assert field in answer["errors"], (path, answer)
        assert "at least two positions" in answer["message"], (path, answer)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/assets/{BIG}",
        f"/api/v1/assets/{BIG}/capacity",
        f"/api/v1/share-requests/{BIG}",
        f"/api/v1/build-requests/{BIG}",
        f"/api/v1/organisations/{BIG}",
        f"/api/v1/organisations/{2**31}",
    ],
)
def test_an_id_beyond_any_id_is_404_not_500(http, base, path):
    assert _one_error(http.get(f"{base}{path}"), 404)["status"] == "not_found"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/assets", {"owner_id": BIG}, "owner_id"),
        ("/api/v1/assets", {"offset": 2**64}, "offset"),
        ("/api/v1/share-requests", {"asset_id": BIG}, "asset_id"),
        ("/api/v1/build-requests", {"requester_id": 2**31}, "requester_id"),
        ("/api/v1/organisations", {"offset": BIG}, "offset"),
    ],
)
def test_a_filter_beyond_64_bits_is_422_naming_it(http, base, path, params, field):
    body = _one_error(http.get(f"{base}{path}", params=params))
    assert field in body["errors"]["query"]
    assert body["message"].startswith(f"{field}: ")


def test_every_bad_field_is_reported_at_once(http, base):
    feature = _feature(
        {"type": "Point", "coordinates": [22.817, 108.366]},
        owner_ref="",
        colour="red",
        height_m=30,
        capacity={"antenna_mount": {"total": 2, "heights": [35, 20]}},
    )
    body = _one_error(http.post(f"{base}/api/v1/assets", json=feature))
    assert set(body["errors"]) == {
        "geometry",
        "properties.owner_ref",
        "properties.colour",
        "properties.capacity.antenna_mount.heights",
    }
    for field in body["errors"]:
        assert field in body["message"]


def test_a_mount_above_the_tower_is_refused(http, base):
    feature = _feature(height_m=30, capacity={"antenna_mount": {"total": 2, "heights": [31, 20]}})
    body = _one_error(http.post(f"{base}/api/v1/assets", json=feature))
    assert (
        "above the tower's height_m of 30 m"
        in body["errors"]["properties.capacity.antenna_mount.heights"][0]
    )


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/assets", _feature({"type": "Point", "coordinates": [22.8, 108.3]}), "geometry"),
        (
            "/api/v1/match/site",
            {
                "location": {"type": "Point", "coordinates": [22.8, 108.3]},
                "radius_m": 500,
                "needs": {"antenna_mount": 1},
            },
            "location",
        ),
    ],
)
def test_swapped_coordinates_get_a_lon_lat_hint(http, base, path, body, field):
    answer = _one_error(http.post(f"{base}{path}", json=body))
    assert "[lon, lat]" in answer["errors"][field][0]


def test_a_swapped_near_gets_a_lon_lat_hint(http, base):
    body = _one_error(
        http.get(f"{base}/api/v1/assets", params={"near": "22.8,108.3", "radius_m": 9})
    )
    assert "[lon, lat]" in body["errors"]["query"]["near"][0]


def test_messages_name_fields_as_the_user_wrote_them(http, base):
    body = _one_error(http.post(f"{base}/api/v1/match/site", json={"radius_m": "far"}))
    assert sorted(body["message"].split("; ")) == [
        "geometry: is required: the planned site as a GeoJSON Point (formerly location)",
        "needs: is required",
        "radius_m: must be a number",
    ]
    assert "json." not in body["message"]


def test_text_no_database_can_store_is_422(http, base):
    body = _one_error(
        http.post(f"{base}/api/v1/organisations", json={"name": "a\x00b", "sector": "telecom"})
    )
    assert "name" in body["errors"]


def test_text_no_database_can_store_is_422_in_a_query_too(http, base):
    # A NUL can only come in a query as an escape: the check walks a query holding one.
    body = _one_error(http.get(f"{base}/api/v1/assets", params={"near": "1,2\x00", "radius_m": 5}))
    assert body["errors"]["near"] == ["must not contain NUL (\\u0000) characters"]


def test_a_plain_ascii_query_needs_no_walk_for_unstorable_text():
    from api.fields import _query_may_hold_unstorable as may_hold

    assert not may_hold(b"near=9.52,47.14&radius_m=500&kind=duct,pole")
    assert not may_hold(b"")
    assert may_hold(b"near=1,2%00")  # any escape may decode to anything
    assert may_hold(b"q=a\x00b")  # a raw control byte (the test client can send one)
    assert may_hold(b"q=a\x7fb")
    assert may_hold("q=\u00e9".encode())


def test_a_lone_surrogate_is_422_whether_escaped_or_sent_raw(http, base):
    headers = {"Content-Type": "application/json"}
    escaped = b'{"name": "a\\ud800b", "sector": "telecom"}'
    raw = '{"name": "a', b"\xed\xa0\x80", 'b", "sector": "telecom"}'  # UTF-8 of U+D800
    for body in (escaped, raw[0].encode() + raw[1] + raw[2].encode()):
        answer = _one_error(http.post(f"{base}/api/v1/organisations", data=body, headers=headers))
        assert "name" in answer["errors"], body
