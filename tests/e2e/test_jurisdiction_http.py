"""Approvers see and decide only the build requests inside their jurisdiction."""

from __future__ import annotations

import json

import pytest

API = "/api/v1"
NANNING = {
    "type": "Polygon",
    "coordinates": [[[108.2, 22.7], [108.5, 22.7], [108.5, 22.95], [108.2, 22.95], [108.2, 22.7]]],
}


def _site(lon, lat):
    return {
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "needs": {"antenna_mount": 1},
        "radius_m": 500,
        "purpose": "5G infill",
    }


@pytest.fixture
def requests_in_two_cities(app, client, make_token, tmp_path):
    area = tmp_path / "nanning.geojson"
    area.write_text(json.dumps(NANNING))
    out = app.test_cli_runner().invoke(
        args=[
            "tokens",
            "create",
            "--org",
            "Nanning Planning",
            "--role",
            "approver",
            "--jurisdiction",
            str(area),
        ]
    )
    assert out.exit_code == 0, out.output
    local = {"Authorization": f"Bearer {out.output.strip().splitlines()[-1]}"}
    national = {"Authorization": f"Bearer {make_token('MIIT', 'approver')}"}
    operator = {"Authorization": f"Bearer {make_token('China Mobile', 'operator')}"}
    ids = {}
    for city, (lon, lat) in {"nanning": (108.366, 22.817), "guilin": (110.29, 25.27)}.items():
        r = client.post(f"{API}/build-requests", json=_site(lon, lat), headers=operator)
        assert r.status_code == 201, r.json
        ids[city] = r.json["id"]
    return {"local": local, "national": national, "ids": ids}


def test_a_local_approver_sees_only_requests_in_its_area(client, requests_in_two_cities):
    ctx = requests_in_two_cities
    queue = client.get(f"{API}/build-requests/queue", headers=ctx["local"]).json
    assert [i["id"] for i in queue["items"]] == [ctx["ids"]["nanning"]]
    outside = client.get(f"{API}/build-requests/{ctx['ids']['guilin']}", headers=ctx["local"])
    assert outside.status_code == 404


def test_a_local_approver_cannot_decide_outside_its_area(client, requests_in_two_cities):
    ctx = requests_in_two_cities
    body = {
        "build_request_id": ctx["ids"]["guilin"],
        "decision": "reject",
        "reason": "outside the plan",
    }
    assert client.post(f"{API}/decisions", json=body, headers=ctx["local"]).status_code == 404
    body["build_request_id"] = ctx["ids"]["nanning"]
    assert client.post(f"{API}/decisions", json=body, headers=ctx["local"]).status_code == 201


def test_an_approver_without_a_jurisdiction_sees_the_whole_country(client, requests_in_two_cities):
    ctx = requests_in_two_cities
    queue = client.get(f"{API}/build-requests/queue", headers=ctx["national"]).json
    assert sorted(i["id"] for i in queue["items"]) == sorted(ctx["ids"].values())


def test_a_jurisdiction_is_only_for_approvers_and_must_be_a_polygon(app, tmp_path):
    area = tmp_path / "line.geojson"
    area.write_text(json.dumps({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}))
    runner = app.test_cli_runner()
    bad_shape = runner.invoke(
        args=["tokens", "create", "--org", "X", "--role", "approver", "--jurisdiction", str(area)]
    )
    assert bad_shape.exit_code != 0
    area.write_text(json.dumps(NANNING))
    wrong_role = runner.invoke(
        args=["tokens", "create", "--org", "Y", "--role", "operator", "--jurisdiction", str(area)]
    )
    assert wrong_role.exit_code != 0
