"""Saving a planned route: a build request with the plan's legs, share requests all or nothing."""

from __future__ import annotations

import pytest

from registry.errors import CapacityExhausted
from registry.workflow import plans

A, B = [108.3600, 22.8170], [108.3800, 22.8170]
NORTH = 22.8170 + 10 / 111_000


def _org(client, name, sector="telecom"):
    return client.post("/api/v1/organisations", json={"name": name, "sector": sector}).json["id"]


def _duct(client, owner_id, ref, west, east):
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[west, NORTH], [east, NORTH]]},
        "properties": {"kind": "duct", "owner_id": owner_id, "owner_ref": ref,
                       "capacity": {"subduct": {"total": 4}}},
    }  # fmt: skip
    r = client.post("/api/v1/assets", json=feature)
    assert r.status_code == 201, r.json
    return r.json["id"]


@pytest.fixture
def two_ducts(client):
    """Two owners' ducts, end to end along the way from A to B."""
    west = _duct(client, _org(client, "Unicom"), "W", 108.3600, 108.3700)
    east = _duct(client, _org(client, "Guangxi Power", "power"), "E", 108.3700, 108.3800)
    return west, east


def _save(app, make_token, file_share_requests=True):
    operator = make_token(org="China Mobile Nanning", role="operator", sector="telecom")
    body = {"from": {"type": "Point", "coordinates": A}, "to": {"type": "Point", "coordinates": B},
            "needs": {"subduct": 1}, "purpose": "feeder to the new hospital",
            "file_share_requests": file_share_requests}  # fmt: skip
    headers = {"Authorization": f"Bearer {operator}"}
    return app.test_client().post("/api/v1/plan/route/build-request", json=body, headers=headers)


def test_a_saved_plan_is_a_build_request_with_its_legs_and_a_share_request_per_asset(
    app, client, two_ducts, make_token
):
    r = _save(app, make_token)
    assert r.status_code == 201, r.json
    (report,) = r.json["build_request"]["reports"]
    plan = report["report"]["plan"]
    reused = [leg["asset_id"] for leg in plan["legs"] if leg["type"] == "reuse"]
    assert sorted(reused) == sorted(two_ducts)
    assert plan["total"]["cost"] < plan["baseline"]["cost"]
    assert len(r.json["share_request_ids"]) == 2 and r.json["unfiled_legs"] == 0
    for share_id in r.json["share_request_ids"]:
        share = client.get(f"/api/v1/share-requests/{share_id}").json
        assert share["build_request_id"] == r.json["build_request"]["id"]
        assert share["asset_id"] in two_ducts and share["state"] == "pending"


def test_when_one_share_request_fails_nothing_is_saved(
    app, client, two_ducts, make_token, monkeypatch
):
    real, calls = plans.place_share_request, []

    def second_fails(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise CapacityExhausted("the last free subduct was taken a moment ago", field="count")
        return real(*args, **kwargs)

    monkeypatch.setattr(plans, "place_share_request", second_fails)
    r = _save(app, make_token)
    assert r.status_code == 409, r.json
    assert client.get("/api/v1/build-requests").json["total"] == 0
    assert client.get("/api/v1/share-requests").json["total"] == 0
    for asset_id in two_ducts:
        asset = client.get(f"/api/v1/assets/{asset_id}").json
        assert asset["properties"]["capacity"]["subduct"]["free"] == 4  # the first hold undone
