"""After require_share, a share that will not happen hands the build request back to the approver.

Before, a rejected (or lapsed) required share left the build request in share_required, where
both approve_new_build and rematch answered 409: a dead end.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.workflow.models import ShareRequest
from tests.e2e.test_build_requests_http import _decide, _submit, _tower

API = "/api/v1"
JUSTIFIED = "The tower owner refused; wind loading rules out a second antenna."


def _required_share(client, cast) -> tuple[int, int]:
    _tower(client, cast)
    br = _submit(client, cast)
    decided = _decide(client, cast, br["id"], "require_share")
    assert decided.status_code == 201, decided.json
    (share_id,) = decided.json["share_request_ids"]
    return br["id"], share_id


def _state(client, cast, br_id) -> str:
    return client.get(f"{API}/build-requests/{br_id}", headers=cast["approver"]).json["state"]


def test_a_rejected_required_share_returns_the_request_to_the_approver(client, cast):
    br_id, share_id = _required_share(client, cast)
    reject = {"reason_code": "safety", "reason": "the mast is at its load limit"}
    r = client.post(f"{API}/share-requests/{share_id}/reject", json=reject, headers=cast["owner"])
    assert r.status_code == 200, r.json
    assert _state(client, cast, br_id) == "pending"
    short = _decide(client, cast, br_id, "approve_new_build", justification="owner refused")
    assert short.status_code == 422 and list(short.json["errors"]) == ["justification"]
    ok = _decide(client, cast, br_id, "approve_new_build", justification=JUSTIFIED)
    assert ok.status_code == 201, ok.json
    assert _state(client, cast, br_id) == "approved"


def test_the_return_is_in_the_build_requests_history(client, cast):
    br_id, share_id = _required_share(client, cast)
    reject = {"reason_code": "no_capacity", "reason": "all positions are taken"}
    client.post(f"{API}/share-requests/{share_id}/reject", json=reject, headers=cast["owner"])
    history = client.get(
        f"{API}/audit", query_string={"object": f"build_request:{br_id}"}, headers=cast["approver"]
    ).json["items"]
    back = [e for e in history if e["action"] == "share_fell_through"]
    assert len(back) == 1
    assert (back[0]["before"]["state"], back[0]["after"]["state"]) == ("share_required", "pending")
    assert f"share request {share_id}" in back[0]["reason"]


def test_a_lapsed_required_share_lets_the_approver_rematch(workflow_app, client, cast):
    br_id, share_id = _required_share(client, cast)
    factory = workflow_app.extensions["infrashare"].session_factory
    with factory.begin() as session:  # the owner never answered: the hold lapsed
        lapsed = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        session.execute(
            sa.update(ShareRequest)
            .where(ShareRequest.id == share_id)
            .values(hold_expires_at=lapsed)
        )
    r = client.post(f"{API}/build-requests/{br_id}/rematch", headers=cast["approver"])
    assert r.status_code == 201, r.json
    assert _state(client, cast, br_id) == "pending"
    sr = client.get(f"{API}/share-requests/{share_id}", headers=cast["operator"]).json
    assert sr["state"] == "expired"


def test_a_withdrawn_required_share_returns_the_request_too(client, cast):
    br_id, share_id = _required_share(client, cast)
    r = client.post(f"{API}/share-requests/{share_id}/withdraw", json={}, headers=cast["operator"])
    assert r.status_code == 200, r.json
    assert _state(client, cast, br_id) == "pending"


def test_an_accepted_required_share_keeps_the_decision(client, cast):
    br_id, share_id = _required_share(client, cast)
    r = client.post(
        f"{API}/share-requests/{share_id}/accept",
        json={"agreement_ref": "CT-2027-001"},
        headers=cast["owner"],
    )
    assert r.status_code == 200, r.json
    assert _state(client, cast, br_id) == "share_required"
    again = _decide(client, cast, br_id, "approve_new_build", justification=JUSTIFIED)
    assert again.status_code == 409
