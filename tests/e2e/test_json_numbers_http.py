"""Numbers in a JSON body are JSON numbers: "50" is a 422 naming the field and the fix, on
every match, plan, build-request, share-request, decision, grant and co-build field; in a
query string, text is read as a number."""

from __future__ import annotations

import pytest

POINT = {"type": "Point", "coordinates": [108.366, 22.817]}
OTHER = {"type": "Point", "coordinates": [108.37, 22.82]}
LINE = {"type": "LineString", "coordinates": [[108.36, 22.81], [108.37, 22.82]]}
SITE = {"geometry": POINT, "radius_m": 500, "needs": {"antenna_mount": 1}}
ROUTE = {"geometry": LINE, "corridor_m": 50, "needs": {"fiber_core": 12}}
PLAN = {"from": POINT, "to": OTHER, "needs": {"fiber_core": 12}}
BUILD_SITE = {**SITE, "purpose": "a new 5G site"}
BUILD_ROUTE = {**ROUTE, "purpose": "a new fibre route"}
SHARE = {"asset_id": 1, "resource": "antenna_mount", "count": 1, "purpose": "a 5G antenna"}
SWAP = {"asset_id": 1, "resource": "fiber_core", "units": [1], "purpose": "a swap",
        "swap": {"asset_id": 2, "units": [3]}}  # fmt: skip
DECISION = {"build_request_id": 1, "decision": "reject", "reason": "not needed"}
SQUARE = [[[108.3, 22.8], [108.4, 22.8], [108.4, 22.9], [108.3, 22.8]]]
GRANT = {
    "grantee_org_id": 1,
    "area": {"type": "Polygon", "coordinates": SQUARE},
    "valid_from": "2026-01-01T00:00:00Z",
    "valid_until": "2099-01-01T00:00:00Z",
}
CO_BUILD = {"builder_request_id": 1, "reason": "one tower for both"}

NUMBER, WHOLE = "must be a number", "must be a whole number"
# (path, a good body, the field as the message names it, a path into the body, the text)
CASES = [
    ("/match/site", SITE, "radius_m", ["radius_m"], "500", NUMBER),
    ("/match/site", SITE, "min_height_m", ["min_height_m"], "30", NUMBER),
    ("/match/site", SITE, "limit", ["limit"], "5", WHOLE),
    ("/match/site", SITE, "needs.antenna_mount", ["needs", "antenna_mount"], "1", WHOLE),
    ("/match/route", ROUTE, "corridor_m", ["corridor_m"], "50", NUMBER),
    ("/match/route", ROUTE, "share_threshold", ["share_threshold"], "0.5", NUMBER),
    ("/plan/route", PLAN, "max_detour", ["max_detour"], "2", NUMBER),
    ("/plan/route", PLAN, "alternatives", ["alternatives"], "1", WHOLE),
    ("/plan/route/build-request", {**PLAN, "purpose": "fibre"}, "max_detour", ["max_detour"],
     "1.5", NUMBER),
    ("/build-requests", BUILD_SITE, "radius_m", ["radius_m"], "500", NUMBER),
    ("/build-requests", BUILD_SITE, "min_height_m", ["min_height_m"], "30", NUMBER),
    ("/build-requests", BUILD_SITE, "needs.antenna_mount", ["needs", "antenna_mount"], "1", WHOLE),
    ("/build-requests", BUILD_SITE, "approver_org_id", ["approver_org_id"], "1", WHOLE),
    ("/build-requests", BUILD_ROUTE, "corridor_m", ["corridor_m"], "50", NUMBER),
    ("/share-requests", SHARE, "asset_id", ["asset_id"], "1", WHOLE),
    ("/share-requests", SHARE, "count", ["count"], "2", WHOLE),
    ("/share-requests", {**SHARE, "min_height_m": 30}, "min_height_m", ["min_height_m"], "30",
     NUMBER),
    ("/share-requests", {**SHARE, "requester_org_id": 1}, "requester_org_id",
     ["requester_org_id"], "1", WHOLE),
    ("/share-requests", SWAP, "swap.asset_id", ["swap", "asset_id"], "2", WHOLE),
    ("/decisions", DECISION, "build_request_id", ["build_request_id"], "1", WHOLE),
    ("/decisions", {**DECISION, "asset_id": 1}, "asset_id", ["asset_id"], "1", WHOLE),
    ("/access-grants", GRANT, "grantee_org_id", ["grantee_org_id"], "1", WHOLE),
    ("/co-build/1/decision", CO_BUILD, "builder_request_id", ["builder_request_id"], "1", WHOLE),
]  # fmt: skip


def _with(body: dict, path: list[str], value) -> dict:
    out = dict(body)
    if len(path) == 1:
        out[path[0]] = value
    else:
        out[path[0]] = _with(body[path[0]], path[1:], value)
    return out


@pytest.mark.parametrize(
    ("url", "body", "field", "path", "text", "wording"),
    CASES,
    ids=[f"{c[0]} {c[2]}" for c in CASES],
)
def test_a_number_sent_as_text_is_refused_naming_the_field_and_the_fix(
    client, url, body, field, path, text, wording
):
    r = client.post(f"/api/v1{url}", json=_with(body, path, text))
    assert r.status_code == 422, r.json
    assert r.json["status"] == "validation_failed"
    assert r.json["message"] == f"{field}: {wording}, not text: write {text} without the quotes"


# The list elements: a path into a list names its position.
@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/share-requests", {**SHARE, "count": None, "units": [13, "14"]}, "units.1"),
        ("/events/read", {"ids": ["7"]}, "ids.0"),
    ],
    ids=["share units", "event ids"],
)
def test_a_listed_number_sent_as_text_is_refused_naming_its_position(client, url, body, field):
    body = {k: v for k, v in body.items() if v is not None}
    r = client.post(f"/api/v1{url}", json=body)
    assert r.status_code == 422, r.json
    assert r.json["message"].startswith(f"{field}: must be a whole number, not text: write ")


def test_the_same_fields_as_json_numbers_are_accepted(client):
    assert client.post("/api/v1/match/site", json={**SITE, "min_height_m": 30}).status_code == 200
    assert client.post("/api/v1/match/route", json=ROUTE).status_code == 200
    assert client.post("/api/v1/plan/route", json={**PLAN, "max_detour": 2}).status_code == 200


def test_a_query_string_is_text_by_nature_and_its_numbers_are_read(client):
    r = client.get("/api/v1/assets?near=108.366,22.817&radius_m=500&limit=5")
    assert r.status_code == 200, r.json
