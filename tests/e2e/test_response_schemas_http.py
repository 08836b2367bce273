"""Every workflow answer validates against the response schema the OpenAPI document declares,
and the document lists exactly the keys sent: share requests, build requests and their match
reports, decisions, the audit log, co-build groups, the inbox, webhooks and their deliveries."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.e2e.workflow_http import cable_feature, tower_feature
from tests.openapi_check import documented_properties, problems

API = "/api/v1"
SITE = {"type": "Point", "coordinates": [108.366, 22.817]}
NEAR = {"type": "Point", "coordinates": [108.3665, 22.8175]}


@pytest.fixture
def spec(client):
    return client.get(f"{API}/openapi.json").json


@pytest.fixture
def unicom(make_token):
    token = make_token("China Unicom Nanning", "operator", sector="telecom")
    return {"Authorization": f"Bearer {token}"}


def _ok(r, status=200):
    assert r.status_code == status, r.json
    return r


def _valid(spec, path, method, r, status=200) -> dict:
    """The answer's body, after checking it against its declared schema."""
    _ok(r, status)
    found = problems(spec, f"{API}{path}", method, status, r.json)
    assert not found, found
    return r.json


def _asset(client, cast, feature) -> int:
    return _ok(client.post(f"{API}/assets", json=feature, headers=cast["admin"]), 201).json["id"]


def _build(client, headers, geometry=SITE) -> dict:
    body = {"geometry": geometry, "needs": {"antenna_mount": 1}, "radius_m": 500}
    wanted = dt.date.today() + dt.timedelta(days=90)  # the API refuses a date that has passed
    body.update(purpose="5G site", wanted_date=wanted.isoformat())
    return _ok(client.post(f"{API}/build-requests", json=body, headers=headers), 201).json


def test_share_requests_match_their_schema_with_and_without_a_swap(client, cast, spec):
    tower = _asset(client, cast, tower_feature(cast.org_ids["owner"]))
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    mine = _asset(client, cast, cable_feature(cast.org_ids["operator"], ref="OP-1"))
    ask = {"asset_id": tower, "resource": "antenna_mount", "count": 1, "purpose": "5G"}
    r = client.post(f"{API}/share-requests", json=ask, headers=cast["operator"])
    plain = _valid(spec, "/share-requests", "post", r, 201)
    swap = {"asset_id": mine, "units": [7, 8]}
    ask = {"asset_id": cable, "resource": "fiber_core", "units": [3, 4], "purpose": "ring"}
    r = client.post(f"{API}/share-requests", json={**ask, "swap": swap}, headers=cast["operator"])
    swapped = _valid(spec, "/share-requests", "post", r, 201)
    documented = documented_properties(spec, "ShareRequest")
    assert set(plain) == documented - {"swap"} and set(swapped) == documented
    r = client.post(
        f"{API}/share-requests/{plain['id']}/accept",
        json={"agreement_ref": "AG-1"},
        headers=cast["owner"],
    )
    assert _valid(spec, "/share-requests/{request_id}/accept", "post", r)["state"] == "accepted"
    r = client.get(f"{API}/share-requests/{swapped['id']}", headers=cast["owner"])
    assert _valid(spec, "/share-requests/{request_id}", "get", r)["swap"]["units"] == [7, 8]
    r = client.get(f"{API}/share-requests", headers=cast["owner"])
    assert len(_valid(spec, "/share-requests", "get", r)["items"]) == 2


def test_build_requests_and_their_match_reports_match_their_schemas(client, cast, spec):
    _asset(client, cast, tower_feature(cast.org_ids["owner"]))
    made = _build(client, cast["operator"])
    assert set(made) == documented_properties(spec, "BuildRequestDetail")
    r = client.post(f"{API}/build-requests/{made['id']}/rematch", headers=cast["approver"])
    report = _valid(spec, "/build-requests/{request_id}/rematch", "post", r, 201)
    assert set(report) == documented_properties(spec, "MatchReport")
    r = client.get(f"{API}/build-requests/{made['id']}", headers=cast["approver"])
    assert len(_valid(spec, "/build-requests/{request_id}", "get", r)["reports"]) == 2
    for path in ("/build-requests", "/build-requests/queue"):
        (item,) = _valid(spec, path, "get", client.get(f"{API}{path}", headers=cast["approver"]))[
            "items"
        ]
        assert set(item) == documented_properties(spec, "BuildRequest")


def test_decisions_match_their_schema(client, cast, spec):
    made = _build(client, cast["operator"])
    ask = {"build_request_id": made["id"], "decision": "request_info", "reason": "which height?"}
    r = client.post(f"{API}/decisions", json=ask, headers=cast["approver"])
    decided = _valid(spec, "/decisions", "post", r, 201)
    assert set(decided) == documented_properties(spec, "Decision")
    listed = _valid(
        spec, "/decisions", "get", client.get(f"{API}/decisions", headers=cast["operator"])
    )
    assert listed["items"] == [decided]
    r = client.get(f"{API}/build-requests/{made['id']}", headers=cast["operator"])
    assert _valid(spec, "/build-requests/{request_id}", "get", r)["decisions"] == [decided]


def test_the_audit_log_matches_its_schema(client, cast, spec):
    made = _build(client, cast["operator"])
    r = client.get(
        f"{API}/audit",
        query_string={"object": f"build_request:{made['id']}"},
        headers=cast["operator"],
    )
    (entry,) = _valid(spec, "/audit", "get", r)["items"]
    assert set(entry) == documented_properties(spec, "AuditEntry")
    assert entry["object"] == f"build_request:{made['id']}"


def test_co_build_groups_match_their_schema(client, cast, unicom, spec):
    _build(client, cast["operator"])
    _build(client, unicom, NEAR)
    r = client.get(f"{API}/co-build", headers=cast["operator"])
    (group,) = _valid(spec, "/co-build", "get", r)["items"]
    assert set(group) == documented_properties(spec, "CoBuildGroup") - {"shared_m"}
    assert [m["mine"] for m in group["members"]] == [True, False]
    r = client.get(f"{API}/co-build/{group['id']}", headers=unicom)
    assert _valid(spec, "/co-build/{group_id}", "get", r)["sites"] == 2


def test_the_inbox_and_webhooks_match_their_schemas(client, cast, spec):
    hook = {"url": "https://ops.example.org/hooks", "secret": "s3cret-for-the-hook-0123"}
    r = client.post(f"{API}/webhooks", json=hook, headers=cast["owner"])
    made = _valid(spec, "/webhooks", "post", r, 201)
    assert set(made) == documented_properties(spec, "Webhook")
    tower = _asset(client, cast, tower_feature(cast.org_ids["owner"]))
    ask = {"asset_id": tower, "resource": "antenna_mount", "count": 1, "purpose": "5G"}
    _ok(client.post(f"{API}/share-requests", json=ask, headers=cast["operator"]), 201)
    (event,) = _valid(spec, "/events", "get", client.get(f"{API}/events", headers=cast["owner"]))[
        "items"
    ]
    assert set(event) == documented_properties(spec, "Event") and event["read"] is False
    r = client.get(f"{API}/webhooks/{made['id']}/deliveries", headers=cast["owner"])
    (delivery,) = _valid(spec, "/webhooks/{webhook_id}/deliveries", "get", r)["items"]
    assert set(delivery) == documented_properties(spec, "Delivery")
    assert delivery["event_id"] == event["id"] and delivery["state"] == "pending"
    r = client.get(f"{API}/webhooks/{made['id']}", headers=cast["owner"])
    assert _valid(spec, "/webhooks/{webhook_id}", "get", r) == made
    assert _valid(spec, "/webhooks", "get", client.get(f"{API}/webhooks", headers=cast["owner"]))[
        "items"
    ] == [made]


def test_the_pagination_header_is_documented_as_it_is_sent(client, cast, spec):
    header = spec["paths"][f"{API}/decisions"]["get"]["responses"]["200"]["headers"]
    component = header["X-Pagination"]["$ref"].rsplit("/", 1)[-1]
    shape = spec["components"]["headers"][component]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert documented_properties(spec, shape) == {"total", "limit", "offset"}
    sent = client.get(f"{API}/decisions?limit=5", headers=cast["admin"]).headers["X-Pagination"]
    assert set(json.loads(sent)) == {"total", "limit", "offset"}
    schemas = spec["components"]["schemas"].values()
    assert not [s for s in schemas if {"page", "page_size"} & set(s.get("properties", {}))]


def test_the_inbox_pages_through_blp_paginate_and_still_counts_unread_in_all(client, cast, spec):
    tower = _asset(client, cast, tower_feature(cast.org_ids["owner"]))
    for purpose in ("5G", "LTE"):
        ask = {"asset_id": tower, "resource": "antenna_mount", "count": 1, "purpose": purpose}
        _ok(client.post(f"{API}/share-requests", json=ask, headers=cast["operator"]), 201)
    r = client.get(f"{API}/events?limit=1&offset=1", headers=cast["owner"])
    page = _valid(spec, "/events", "get", r)
    assert (page["total"], page["unread"], page["limit"], page["offset"]) == (2, 2, 1, 1)
    assert json.loads(r.headers["X-Pagination"]) == {"total": 2, "limit": 1, "offset": 1}
    assert client.get(f"{API}/events?limit=0", headers=cast["owner"]).status_code == 422
    names = {p["name"] for p in spec["paths"][f"{API}/events"]["get"]["parameters"]}
    assert {"limit", "offset", "unread", "kind"} <= names


def test_deadlines_match_their_schema(client, cast, spec):
    made = _build(client, cast["operator"])
    r = client.get(f"{API}/deadlines?within_days=400", headers=cast["approver"])
    (item,) = _valid(spec, "/deadlines", "get", r)["items"]
    assert set(item) == documented_properties(spec, "Deadline")
    assert (item["object"], item["must_act"]) == (f"build_request:{made['id']}", True)
