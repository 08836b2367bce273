"""Build requests over HTTP: submit, queue, decide, answer, re-match, deadlines, decisions."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.workflow.models import BuildRequest
from tests.e2e.workflow_http import tower_feature

API = "/api/v1"
# A wanted date must not have passed (the API refuses it): some months ahead, whenever run.
WANTED = (dt.date.today() + dt.timedelta(days=90)).isoformat()
SITE = {
    "geometry": {"type": "Point", "coordinates": [108.3665, 22.8172]},
    "needs": {"antenna_mount": 1},
    "radius_m": 500,
    "min_height_m": 30,
    "purpose": "5G coverage for Qingxiu district",
    "wanted_date": WANTED,
}


def _tower(client, cast):
    r = client.post(
        f"{API}/assets", json=tower_feature(cast.org_ids["owner"]), headers=cast["owner"]
    )
    assert r.status_code == 201, r.json
    return r.json["id"]


def _submit(client, cast, body=SITE):
    r = client.post(f"{API}/build-requests", json=body, headers=cast["operator"])
    assert r.status_code == 201, r.json
    return r.json


def _decide(client, cast, br_id, decision, **kw):
    body = {"build_request_id": br_id, "decision": decision, **kw}
    return client.post(f"{API}/decisions", json=body, headers=cast["approver"])


def test_a_submitted_site_is_matched_at_once_and_queued_for_approvers(client, cast):
    tower = _tower(client, cast)
    br = _submit(client, cast)
    assert (br["state"], br["verdict"], br["kind"]) == ("pending", "share", "site")
    (report,) = br["reports"]
    assert report["report"]["candidates"][0]["asset_id"] == tower
    assert report["registry_seq"] == report["report"]["registry_seq"]
    queue = client.get(f"{API}/build-requests/queue", headers=cast["approver"]).json
    assert [(i["id"], i["verdict"]) for i in queue["items"]] == [(br["id"], "share")]


def test_approving_a_new_build_beside_a_feasible_share_needs_30_characters(client, cast):
    _tower(client, cast)
    br = _submit(client, cast)
    r = _decide(client, cast, br["id"], "approve_new_build", justification="we prefer our own")
    assert r.status_code == 422 and list(r.json["errors"]) == ["justification"]
    r = _decide(
        client,
        cast,
        br["id"],
        "approve_new_build",
        justification="Wind loading of the existing tower is at its design limit.",
    )
    assert r.status_code == 201 and r.json["decision"] == "approve_new_build"
    assert (
        client.get(f"{API}/build-requests/{br['id']}", headers=cast["operator"]).json["state"]
        == "approved"
    )


def test_requiring_a_share_opens_a_share_request_the_owner_can_accept(client, cast):
    tower = _tower(client, cast)
    br = _submit(client, cast)
    decided = _decide(client, cast, br["id"], "require_share").json
    (share_id,) = decided["share_request_ids"]
    sr = client.get(f"{API}/share-requests/{share_id}", headers=cast["owner"]).json
    assert (sr["asset_id"], sr["requester_id"], sr["state"], sr["build_request_id"]) == (
        tower,
        cast.org_ids["operator"],
        "pending",
        br["id"],
    )
    r = client.post(
        f"{API}/share-requests/{share_id}/accept",
        json={"agreement_ref": "CT-NN-88"},
        headers=cast["owner"],
    )
    assert r.status_code == 200 and r.json["sharing_mode"] == "co_location"
    listed = client.get(
        f"{API}/decisions", query_string={"build_request_id": br["id"]}, headers=cast["operator"]
    ).json
    assert [d["decision"] for d in listed["items"]] == ["require_share"]


def test_a_question_pauses_the_clock_until_the_requester_answers(client, cast):
    br = _submit(client, cast)
    r = _decide(client, cast, br["id"], "request_info", reason="Which frequency band?")
    assert r.status_code == 201
    paused = client.get(f"{API}/build-requests/{br['id']}", headers=cast["operator"]).json
    assert paused["state"] == "info_requested"
    r = client.post(
        f"{API}/build-requests/{br['id']}/respond",
        json={"answer": "n78"},
        headers=cast["operator"],
    )
    assert r.status_code == 200 and r.json["state"] == "pending"
    assert r.json["due_at"] > paused["due_at"]


def test_a_rematch_adds_a_report_and_keeps_the_first(client, cast):
    br = _submit(client, cast)
    _tower(client, cast)
    r = client.post(f"{API}/build-requests/{br['id']}/rematch", headers=cast["approver"])
    assert r.status_code == 201 and r.json["verdict"] == "share"
    detail = client.get(f"{API}/build-requests/{br['id']}", headers=cast["approver"]).json
    assert [x["verdict"] for x in detail["reports"]] == ["build_new", "share"]
    assert detail["verdict"] == "share"


def test_deadlines_list_what_is_overdue_or_due_soon_per_organisation(client, cast, workflow_app):
    late = _submit(client, cast)
    _submit(client, cast)
    factory = workflow_app.extensions["infrashare"].session_factory
    with factory.begin() as session:  # set-up: the first request is two days overdue
        overdue_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        session.execute(
            sa.update(BuildRequest).where(BuildRequest.id == late["id"]).values(due_at=overdue_at)
        )
    soon = client.get(f"{API}/deadlines", query_string={"within_days": 0}, headers=cast["admin"])
    assert [(i["object"], i["overdue"]) for i in soon.json["items"]] == [
        (f"build_request:{late['id']}", True)
    ]
    everything = client.get(
        f"{API}/deadlines",
        query_string={"org_id": cast.org_ids["operator"], "within_days": 200},
        headers=cast["operator"],
    ).json["items"]
    assert [i["party"] for i in everything] == ["requester", "requester"]
    other = client.get(
        f"{API}/deadlines", query_string={"org_id": cast.org_ids["owner"]}, headers=cast["operator"]
    )
    assert other.status_code == 403


def test_a_request_that_is_neither_a_site_nor_a_route_is_a_422(client, cast):
    body = {
        **SITE,
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
    }
    r = client.post(f"{API}/build-requests", json=body, headers=cast["operator"])
    assert r.status_code == 422 and r.json["status"] == "invalid_geometry"


def test_every_problem_the_service_finds_is_reported_in_one_answer(client, cast):
    """Unknown requester and approver organisations are independent problems (found by the
    service, after the body's own checks pass): one 422 names both, and nothing is stored."""
    body = {**SITE, "requester_org_id": 987654, "approver_org_id": 987655}
    r = client.post(f"{API}/build-requests", json=body, headers=cast["admin"])
    assert r.status_code == 422, r.json
    assert r.json["status"] == "validation_failed"
    assert r.json["errors"] == {
        "requester_org_id": ["organisation 987654 does not exist"],
        "approver_org_id": ["organisation 987655 does not exist"],
    }
    assert client.get(f"{API}/build-requests", headers=cast["admin"]).json["items"] == []
