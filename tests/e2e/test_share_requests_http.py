"""Share requests over HTTP: ask, answer, conflicts in the one error shape, audit, expiry job."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.inventory.models import Allocation
from registry.workflow.models import ShareRequest
from tests.e2e.workflow_http import cable_feature, tower_feature

API = "/api/v1"


def _asset(client, cast, feature):
    r = client.post(f"{API}/assets", json=feature, headers=cast["owner"])
    assert r.status_code == 201, r.json
    return r.json["id"]


def _ask(client, cast, body, role="operator"):
    return client.post(f"{API}/share-requests", json=body, headers=cast[role])


def test_an_operator_asks_for_cores_13_to_24_and_the_owner_accepts(client, cast):
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    body = {
        "asset_id": cable,
        "resource": "fiber_core",
        "units": list(range(13, 25)),
        "purpose": "backhaul ring NN-07",
    }
    r = _ask(client, cast, body)
    assert r.status_code == 201, r.json
    sr = r.json
    assert (sr["state"], sr["units"], sr["requester_id"]) == (
        "pending",
        list(range(13, 25)),
        cast.org_ids["operator"],
    )
    assert r.headers["Location"].endswith(f"/share-requests/{sr['id']}")
    r = client.post(
        f"{API}/share-requests/{sr['id']}/accept",
        json={"agreement_ref": "CT-GX-2026-0042", "sharing_mode": "core_lease"},
        headers={**cast["owner"], "X-Request-ID": "accept-42"},
    )
    assert r.status_code == 200 and r.json["state"] == "accepted"
    capacity = client.get(f"{API}/assets/{cable}/capacity", headers=cast["owner"]).json
    assert capacity["resources"]["fiber_core"]["free"] == 36
    history = client.get(
        f"{API}/audit",
        query_string={"object": f"share_request:{sr['id']}"},
        headers=cast["operator"],
    ).json["items"]
    assert [(e["action"], e["after"]["state"]) for e in history] == [
        ("create", "pending"),
        ("accept", "accepted"),
    ]
    assert history[1]["request_id"] == "accept-42"
    assert history[1]["actor"].startswith("China Tower Guangxi/")


def test_an_antenna_mount_at_30_m_or_higher_is_taken_by_count(client, cast):
    tower = _asset(client, cast, tower_feature(cast.org_ids["owner"]))
    body = {
        "asset_id": tower,
        "resource": "antenna_mount",
        "count": 1,
        "min_height_m": 30,
        "purpose": "5G small cell",
    }
    taken = [_ask(client, cast, body).json.get("units") for _ in range(4)]
    assert taken == [[1], [2], [3], None]


def test_accepting_a_withdrawn_request_is_a_409_naming_the_state(client, cast):
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    sr = _ask(
        client, cast, {"asset_id": cable, "resource": "fiber_core", "count": 2, "purpose": "x"}
    ).json
    r = client.post(f"{API}/share-requests/{sr['id']}/withdraw", headers=cast["operator"])
    assert r.status_code == 200 and r.json["state"] == "withdrawn"
    r = client.post(
        f"{API}/share-requests/{sr['id']}/accept",
        json={"agreement_ref": "A-1"},
        headers=cast["owner"],
    )
    assert r.status_code == 409
    assert set(r.json) == {"code", "status", "message", "errors"}
    assert r.json["status"] == "illegal_transition" and "is withdrawn" in r.json["message"]


def test_a_rejection_without_a_known_reason_code_is_a_422(client, cast):
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    sr = _ask(
        client, cast, {"asset_id": cable, "resource": "fiber_core", "count": 1, "purpose": "x"}
    ).json
    url = f"{API}/share-requests/{sr['id']}/reject"
    r = client.post(url, json={"reason_code": "nope", "reason": "x"}, headers=cast["owner"])
    assert r.status_code == 422 and "reason_code" in r.json["errors"]["json"]
    r = client.post(
        url,
        json={"reason_code": "security_critical_infrastructure", "reason": "substation perimeter"},
        headers=cast["owner"],
    )
    assert r.status_code == 200 and r.json["reason_code"] == "security_critical_infrastructure"


def test_the_operator_cannot_answer_its_own_request(client, cast):
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    sr = _ask(
        client, cast, {"asset_id": cable, "resource": "fiber_core", "count": 1, "purpose": "x"}
    ).json
    r = client.post(
        f"{API}/share-requests/{sr['id']}/accept",
        json={"agreement_ref": "A"},
        headers=cast["operator"],
    )
    assert r.status_code == 403


def test_lists_filter_by_state_and_parties_see_only_their_own(client, cast, make_token):
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    for _ in range(3):
        _ask(
            client, cast, {"asset_id": cable, "resource": "fiber_core", "count": 1, "purpose": "x"}
        )
    mine = client.get(
        f"{API}/share-requests", query_string={"state": "pending"}, headers=cast["operator"]
    ).json
    assert mine["total"] == 3
    stranger = {"Authorization": f"Bearer {make_token('Unicom', 'operator', sector='telecom')}"}
    assert client.get(f"{API}/share-requests", headers=stranger).json["total"] == 0
    first = mine["items"][0]["id"]
    assert client.get(f"{API}/share-requests/{first}", headers=stranger).status_code == 404


def test_the_expire_holds_command_marks_lapsed_requests_expired(
    client,
    cast,
    workflow_app,
):
    cable = _asset(client, cast, cable_feature(cast.org_ids["owner"]))
    sr = _ask(
        client, cast, {"asset_id": cable, "resource": "fiber_core", "count": 1, "purpose": "x"}
    ).json
    factory = workflow_app.extensions["infrashare"].session_factory
    lapsed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    with factory.begin() as session:  # set-up: pretend the hold's month has passed
        session.execute(sa.update(ShareRequest).values(hold_expires_at=lapsed))
        session.execute(sa.update(Allocation).values(expires_at=lapsed))
    result = workflow_app.test_cli_runner().invoke(args=["expire-holds"])
    assert result.exit_code == 0, result.output
    assert "expired 1 share requests" in result.output
    got = client.get(f"{API}/share-requests/{sr['id']}", headers=cast["operator"]).json
    assert (got["state"], got["allocation_state"]) == ("expired", "expired")


def test_no_route_can_change_or_delete_the_audit_log(client, workflow_app):
    audit_rules = [r for r in workflow_app.url_map.iter_rules() if "/audit" in r.rule]
    assert audit_rules
    for rule in audit_rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)(f"{API}/audit").status_code == 405
