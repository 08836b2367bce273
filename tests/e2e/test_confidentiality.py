"""Confidential assets stay invisible and restricted ones coarse, unless a grant covers them."""

from __future__ import annotations

import datetime as dt
import json
import math

import mapbox_vector_tile
import pytest
import sqlalchemy as sa
from pyproj import Geod

from registry.access.models import AccessGrant
from registry.inventory.models import AuditEntry

GEOD = Geod(ellps="WGS84")
SECRET = (108.3671234, 22.8172345)  # a confidential substation tower
CLOSE = (108.3679876, 22.8165432)  # a restricted tower nearby
PLANNED_SITE = (108.3675, 22.8170)


def _tower(owner_id, coords, ref, sensitivity):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(coords)},
        "properties": {
            "kind": "tower",
            "owner_id": owner_id,
            "owner_ref": ref,
            "sensitivity": sensitivity,
            "height_m": 45,
            "capacity": {"antenna_mount": {"total": 6}},
        },
    }


@pytest.fixture
def scene(app, make_token):
    owner = make_token("Guangxi Power Grid", "owner", sector="power")
    operator = make_token("China Mobile Nanning", "operator", sector="telecom")
    c = app.test_client()
    auth = {"Authorization": f"Bearer {owner}"}
    orgs = c.get("/api/v1/organisations", headers=auth).json["items"]
    owner_id = next(o["id"] for o in orgs if o["name"] == "Guangxi Power Grid")
    operator_id = next(o["id"] for o in orgs if o["name"] == "China Mobile Nanning")
    secret = c.post(
        "/api/v1/assets",
        json=_tower(owner_id, SECRET, "GXPG-SECRET-7", "confidential"),
        headers=auth,
    ).json
    close = c.post(
        "/api/v1/assets", json=_tower(owner_id, CLOSE, "GXPG-RESTR-8", "restricted"), headers=auth
    ).json
    return {
        "owner": owner,
        "operator": operator,
        "owner_id": owner_id,
        "operator_id": operator_id,
        "secret": secret,
        "close": close,
        "client": c,
    }


def _operator_bodies(scene) -> list[str]:
    c, auth = scene["client"], {"Authorization": f"Bearer {scene['operator']}"}
    lon, lat = PLANNED_SITE
    paths = [
        "/api/v1/assets",
        "/api/v1/assets?bbox=108.36,22.81,108.37,22.82",
        f"/api/v1/assets?near={lon},{lat}&radius_m=500",
        f"/api/v1/assets/{scene['secret']['id']}",
        f"/api/v1/assets/{scene['secret']['id']}/capacity",
        f"/api/v1/assets/{scene['close']['id']}",
        f"/api/v1/assets/{scene['close']['id']}/capacity",
    ]
    paths += [
        "/api/v1/exports/assets.geojson",
        "/api/v1/exports/assets.csv",
        f"/api/v1/exports/assets.geojson?near={lon},{lat}&radius_m=500",
        "/ogc/collections/tower/items",
        "/ogc/collections/tower/items?bbox=108.36,22.81,108.37,22.82",
        f"/ogc/collections/tower/items/{scene['secret']['id']}",
    ]
    bodies = [c.get(p, headers=auth).get_data(as_text=True) for p in paths]
    bodies.append(json.dumps(_tile_features(c, auth)))
    match = c.post(
        "/api/v1/match/site",
        headers=auth,
        json={
            "location": {"type": "Point", "coordinates": list(PLANNED_SITE)},
            "radius_m": 500,
            "needs": {"antenna_mount": 1},
        },
    )
    assert match.status_code == 200, match.json
    return [*bodies, match.get_data(as_text=True)]


def _tile_xy(lon: float, lat: float, z: int) -> tuple[int, int, float, float]:
    """Tile x, y and the position inside it (0..1) of a lon/lat (Web Mercator)."""
    n = 2**z
    fx = (lon + 180) / 360 * n
    fy = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int(fx), int(fy), fx - int(fx), fy - int(fy)


def _tile_features(c, auth, z: int = 12) -> list[dict]:
    """Every feature of the tile holding SECRET, decoded, with positions in lon/lat."""
    x, y, _, _ = _tile_xy(*SECRET, z)
    r = c.get(f"/tiles/{z}/{x}/{y}.mvt", headers=auth)
    assert r.status_code == 200
    out = []
    for name, layer in mapbox_vector_tile.decode(r.data).items():
        extent = layer["extent"]
        for f in layer["features"]:
            if f["geometry"]["type"] != "Point":
                continue
            px, py = f["geometry"]["coordinates"]
            lon = (x + px / extent) / 2**z * 360 - 180
            merc_y = math.pi * (1 - 2 * (y + 1 - py / extent) / 2**z)
            lat = math.degrees(math.atan(math.sinh(merc_y)))
            out.append({"layer": name, "lon": lon, "lat": lat, **f["properties"]})
    return out


def test_tiles_hide_the_confidential_asset_and_snap_the_restricted_one(scene):
    c, auth = scene["client"], {"Authorization": f"Bearer {scene['operator']}"}
    shown = _tile_features(c, auth)
    assert shown, "the restricted tower should be on the map"
    for f in shown:
        assert GEOD.inv(f["lon"], f["lat"], *SECRET)[2] > 5
        assert GEOD.inv(f["lon"], f["lat"], *CLOSE)[2] > 5
        assert "owner_ref" not in f
    owner = {"Authorization": f"Bearer {scene['owner']}"}
    full = _tile_features(c, owner)
    assert min(GEOD.inv(f["lon"], f["lat"], *SECRET)[2] for f in full) < 2


def _match(scene) -> dict:
    c, auth = scene["client"], {"Authorization": f"Bearer {scene['operator']}"}
    return c.post(
        "/api/v1/match/site",
        headers=auth,
        json={
            "location": {"type": "Point", "coordinates": list(PLANNED_SITE)},
            "radius_m": 500,
            "needs": {"antenna_mount": 1},
        },
    ).json


def _leaks(body: str, coords, ref: str) -> bool:
    return ref in body or repr(coords[0]) in body or repr(coords[1]) in body


def test_an_unentitled_operator_sees_no_trace_of_the_confidential_asset(scene):
    bodies = _operator_bodies(scene)
    assert not any(_leaks(b, SECRET, "GXPG-SECRET-7") for b in bodies)
    c, auth = scene["client"], {"Authorization": f"Bearer {scene['operator']}"}
    listing = c.get("/api/v1/assets", headers=auth).json
    assert listing["numberMatched"] == 1  # the restricted one only: counts do not leak either
    missing = c.get(f"/api/v1/assets/{scene['secret']['id']}", headers=auth)
    unknown = c.get("/api/v1/assets/999999", headers=auth)
    assert missing.status_code == unknown.status_code == 404
    assert missing.json["message"].replace(str(scene["secret"]["id"]), "N") == unknown.json[
        "message"
    ].replace("999999", "N")


def test_a_match_uses_the_hidden_asset_for_its_verdict_but_only_says_whom_to_ask(scene):
    report = _match(scene)
    assert report["verdict"] == "share"
    assert report["hidden_candidates"]["count"] == 1
    assert [a["owner_name"] for a in report["hidden_candidates"]["ask"]] == ["Guangxi Power Grid"]
    shown = {c["asset_id"]: c for c in report["candidates"]}
    assert scene["secret"]["id"] not in shown
    masked = shown[scene["close"]["id"]]
    assert masked["masked"] is True and "owner_ref" not in masked
    assert masked["distance_m"] % 100 == 0


def test_a_restricted_asset_is_coarsened_without_ref_or_attributes(scene):
    bodies = _operator_bodies(scene)
    assert not any(_leaks(b, CLOSE, "GXPG-RESTR-8") for b in bodies)
    c, auth = scene["client"], {"Authorization": f"Bearer {scene['operator']}"}
    shown = c.get(f"/api/v1/assets/{scene['close']['id']}", headers=auth).json
    lon, lat = shown["geometry"]["coordinates"]
    offset = GEOD.inv(lon, lat, *CLOSE)[2]
    assert 0 < offset < 100  # snapped to the ~100 m grid: near, not exact
    assert shown["properties"]["masked"] is True
    assert "height_m" not in shown["properties"] and "owner_ref" not in shown["properties"]
    assert shown["properties"]["capacity"] == {"antenna_mount": {"free": 6}}


def _grant(scene, until):
    c = scene["client"]
    body = {
        "grantee_org_id": scene["operator_id"],
        "area": {
            "type": "Polygon",
            "coordinates": [
                [
                    [108.36, 22.81],
                    [108.37, 22.81],
                    [108.37, 22.82],
                    [108.36, 22.82],
                    [108.36, 22.81],
                ]
            ],
        },
        "valid_from": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)).isoformat(),
        "valid_until": until.isoformat(),
    }
    r = c.post(
        "/api/v1/access-grants", json=body, headers={"Authorization": f"Bearer {scene['owner']}"}
    )
    assert r.status_code == 201, r.json
    return r.json


def test_a_grant_reveals_full_precision_and_every_use_is_audited(app, scene):
    grant = _grant(scene, dt.datetime.now(dt.UTC) + dt.timedelta(days=90))
    bodies = _operator_bodies(scene)
    assert any("GXPG-SECRET-7" in b and repr(SECRET[0]) in b for b in bodies)
    report = _match(scene)
    assert report["hidden_candidates"]["count"] == 0
    assert "GXPG-SECRET-7" in {c.get("owner_ref") for c in report["candidates"]}
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        uses = session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.object_type == "access_grant",
                AuditEntry.action == "use",
                AuditEntry.object_id == str(grant["id"]),
            )
        ).all()
    assert uses and all("China Mobile Nanning" in u.actor for u in uses)
    assert any(scene["secret"]["id"] in u.after["asset_ids"] for u in uses)


def test_when_the_grant_expires_the_asset_disappears_again(app, scene):
    grant = _grant(scene, dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert any("GXPG-SECRET-7" in b for b in _operator_bodies(scene))
    factory = app.extensions["infrashare"].session_factory
    with factory.begin() as session:
        session.get(AccessGrant, grant["id"]).valid_until = dt.datetime.now(dt.UTC) - dt.timedelta(
            seconds=1
        )
    assert not any(_leaks(b, SECRET, "GXPG-SECRET-7") for b in _operator_bodies(scene))


def test_the_owner_always_sees_its_own_assets_in_full(scene):
    c, auth = scene["client"], {"Authorization": f"Bearer {scene['owner']}"}
    body = c.get("/api/v1/assets", headers=auth).get_data(as_text=True)
    assert "GXPG-SECRET-7" in body and repr(SECRET[0]) in body
