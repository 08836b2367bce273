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
