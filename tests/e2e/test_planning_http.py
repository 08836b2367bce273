"""Co-build groups and KPIs over HTTP: who sees what, the decision, CSV, bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from registry.planning.kpis import METRICS

API = "/api/v1"
# A wanted date must not have passed (the API refuses it): some months ahead, whenever run.
WANTED = (dt.date.today() + dt.timedelta(days=90)).isoformat()


def _site(client, headers, lon, wanted=WANTED):
    body = {
        "geometry": {"type": "Point", "coordinates": [lon, 22.8172]},
        "needs": {"antenna_mount": 1},
        "radius_m": 200,
        "purpose": "5G coverage",
        "wanted_date": wanted,
    }
    r = client.post(f"{API}/build-requests", json=body, headers=headers)
    assert r.status_code == 201, r.json
    return r.json


@pytest.fixture
def group(client, cast, make_token):
    token = make_token("China Unicom Nanning", "operator", sector="telecom")
    unicom = {"Authorization": f"Bearer {token}"}
    first = _site(client, cast["operator"], 108.3665)
    second = _site(client, unicom, 108.3675)
    return {"first": first, "second": second, "unicom": unicom}


def test_members_see_their_group_and_the_joining_request_says_co_build(client, cast, group):
    assert group["second"]["verdict"] == "co_build"
    items = client.get(f"{API}/co-build", headers=group["unicom"]).json["items"]
    assert [g["build_request_ids"] for g in items] == [
        [group["first"]["id"], group["second"]["id"]]
    ]
    assert items[0]["sites"] == 2 and items[0]["saving"] > 0
    assert client.get(f"{API}/co-build", headers=cast["owner"]).json["items"] == []
    assert client.get(f"{API}/co-build/{items[0]['id']}", headers=cast["owner"]).status_code == 404


def test_an_approver_decides_co_build_and_both_members_are_told(client, cast, group):
    (g,) = client.get(f"{API}/co-build", headers=cast["approver"]).json["items"]
    body = {"builder_request_id": group["first"]["id"], "reason": "one tower for both"}
    r = client.post(f"{API}/co-build/{g['id']}/decision", json=body, headers=cast["approver"])
    assert r.status_code == 201, r.json
    assert r.json["state"] == "decided" and r.json["planned_asset_id"]
    again = client.post(f"{API}/co-build/{g['id']}/decision", json=body, headers=cast["approver"])
    assert again.status_code == 409
    for headers in (cast["operator"], group["unicom"]):
        kinds = {e["kind"] for e in client.get(f"{API}/events", headers=headers).json["items"]}
        assert {"co_build_formed", "build_decided"} <= kinds
    br = client.get(f"{API}/build-requests/{group['second']['id']}", headers=group["unicom"]).json
    assert br["state"] == "co_build"


def test_a_co_build_decision_needs_a_member_as_builder(client, cast, group):
    (g,) = client.get(f"{API}/co-build", headers=cast["approver"]).json["items"]
    r = client.post(
        f"{API}/co-build/{g['id']}/decision",
        json={"builder_request_id": 424242, "reason": "x"},
        headers=cast["approver"],
    )
    assert r.status_code == 422 and "builder_request_id" in r.json["errors"]


def test_kpis_answer_every_metric_as_json_and_csv(client, cast, group):
    r = client.get(
        f"{API}/kpis?from=2025-01-01&to=2030-12-31&group_by=sector", headers=cast["approver"]
    )
    assert r.status_code == 200, r.json
    assert set(METRICS) <= set(r.json["kpis"]) and r.json["kpis"]["build_requests"] == 2
    assert [g["group"] for g in r.json["groups"]] == ["telecom"]
    text = client.get(f"{API}/kpis?from=2025-01-01&to=2030-12-31&f=csv", headers=cast["approver"])
    rows = list(csv.DictReader(io.StringIO(text.get_data(as_text=True))))
    assert rows[-1]["group"] == "all" and rows[-1]["build_requests"] == "2"


def test_kpis_by_area_accept_geojson_and_bbox(client, cast, group):
    ring = [[108.36, 22.81], [108.37, 22.81], [108.37, 22.82], [108.36, 22.82], [108.36, 22.81]]
    polygon = json.dumps({"type": "Polygon", "coordinates": [ring]})
    for area in (polygon, "108.36,22.81,108.367,22.82"):
        r = client.get(
            f"{API}/kpis",
            query_string={"from": "2025-01-01", "to": "2030-12-31", "area": area},
            headers=cast["approver"],
        )
        assert r.status_code == 200, r.json
    counts = [
        client.get(
            f"{API}/kpis",
            query_string={"from": "2025-01-01", "to": "2030-12-31", "area": a},
            headers=cast["approver"],
        ).json["kpis"]["build_requests"]
        for a in (polygon, "108.36,22.81,108.367,22.82")
    ]
    assert counts == [2, 1]


BAD_KPI_QUERIES = [
    ("from=2026-02-01&to=2026-01-01", "from"),
    ("from=2026-01-01", "to"),
    ("from=2026-01-01&to=2026-02-01&area=1,2,3", "area"),
    ("from=2026-01-01&to=2026-02-01&area={bad", "area"),
    ("from=2026-01-01&to=2026-02-01&group_by=year", "group_by"),
    ("from=2026-01-01&to=2026-02-01&sector=navy", "sector"),
]


def test_bad_kpi_queries_are_a_422_naming_the_field(client, cast):
    for query, field in BAD_KPI_QUERIES:
        r = client.get(f"{API}/kpis?{query}", headers=cast["approver"])
        assert r.status_code == 422, (query, r.json)
        assert field in str(r.json["errors"]), (query, r.json)
