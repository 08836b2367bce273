"""The inbox and webhooks over HTTP: events from the workflow, time, and signed deliveries."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json

import sqlalchemy as sa

from registry.inventory.models import utcnow
from registry.notify import delivery
from registry.notify.run import run_once
from registry.workflow.models import ShareRequest
from tests.e2e.workflow_http import tower_feature
from tests.receiver import Receiver

API = "/api/v1"
SECRET = "s3cret-for-the-hook-0123"
_refs = itertools.count(1)


def _share_request(client, cast) -> int:
    ref = f"NN-TWR-{next(_refs)}"
    tower = client.post(
        f"{API}/assets", json=tower_feature(cast.org_ids["owner"], ref), headers=cast["owner"]
    )
    body = {"asset_id": tower.json["id"], "resource": "antenna_mount", "count": 1, "purpose": "5G"}
    r = client.post(f"{API}/share-requests", json=body, headers=cast["operator"])
    assert r.status_code == 201, r.json
    return r.json["id"]


def _inbox(client, headers, **query):
    r = client.get(f"{API}/events", query_string=query, headers=headers)
    assert r.status_code == 200, r.json
    return r.json


def _factory(app):
    return app.extensions["infrashare"].session_factory


def test_the_owner_is_told_of_a_request_and_the_requester_of_the_answer(client, cast):
    sr = _share_request(client, cast)
    inbox = _inbox(client, cast["owner"])
    assert [(e["kind"], e["object"]) for e in inbox["items"]] == [
        ("share_request_received", f"share_request:{sr}")
    ]
    assert inbox["unread"] == 1 and _inbox(client, cast["operator"])["items"] == []
    client.post(
        f"{API}/share-requests/{sr}/accept", json={"agreement_ref": "AG-1"}, headers=cast["owner"]
    )
    (answered,) = _inbox(client, cast["operator"])["items"]
    assert answered["kind"] == "share_request_answered"
    assert answered["payload"]["state"] == "accepted"


def test_events_are_marked_read_and_filtered_by_read_state(client, cast):
    _share_request(client, cast)
    _share_request(client, cast)
    first, second = (e["id"] for e in _inbox(client, cast["owner"])["items"])
    r = client.post(f"{API}/events/read", json={"ids": [first]}, headers=cast["owner"])
    assert r.json == {"changed": 1}
    assert [e["id"] for e in _inbox(client, cast["owner"], unread="true")["items"]] == [second]
    assert [e["id"] for e in _inbox(client, cast["owner"], unread="false")["items"]] == [first]
    # another organisation cannot touch them
    other = client.post(f"{API}/events/read", json={"all": True}, headers=cast["operator"])
    assert other.json == {"changed": 0}
    client.post(f"{API}/events/read", json={"all": True}, headers=cast["owner"])
    assert _inbox(client, cast["owner"])["unread"] == 0
    bad = client.post(f"{API}/events/read", json={}, headers=cast["owner"])
    assert bad.status_code == 422


def test_a_decided_build_request_is_in_its_requesters_inbox(client, cast):
    body = {
        "geometry": {"type": "Point", "coordinates": [108.40, 22.85]},
        "needs": {"antenna_mount": 1},
        "radius_m": 200,
        "purpose": "coverage",
    }
    br = client.post(f"{API}/build-requests", json=body, headers=cast["operator"]).json
    decision = {"build_request_id": br["id"], "decision": "reject", "reason": "duplicate plan"}
    r = client.post(f"{API}/decisions", json=decision, headers=cast["approver"])
    assert r.status_code == 201, r.json
    (event,) = _inbox(client, cast["operator"])["items"]
    assert (event["kind"], event["payload"]["decision"]) == ("build_decided", "reject")


def test_a_hold_expiring_within_3_days_is_announced_once(app, client, cast):
    sr = _share_request(client, cast)  # the hold lasts HOLD_DAYS (30 days)
    now = utcnow()
    run_once(_factory(app), now + dt.timedelta(days=26))
    assert _inbox(client, cast["operator"])["items"] == []
    run_once(_factory(app), now + dt.timedelta(days=28))
    run_once(_factory(app), now + dt.timedelta(days=28, hours=1))
    (event,) = _inbox(client, cast["operator"])["items"]
    assert (event["kind"], event["object"]) == ("hold_expiring", f"share_request:{sr}")


def test_an_owners_deadline_is_announced_near_and_when_passed(app, client, cast):
    sr = _share_request(client, cast)
    due = dt.datetime.fromisoformat(
        client.get(f"{API}/share-requests/{sr}", headers=cast["owner"]).json["due_at"]
    )
    with _factory(app)() as session:  # a hold that outlasts the owner's deadline
        session.execute(sa.update(ShareRequest).values(hold_expires_at=due + dt.timedelta(days=10)))
        session.commit()
    run_once(_factory(app), due - dt.timedelta(days=3))  # not yet near
    run_once(_factory(app), due - dt.timedelta(days=1))
    run_once(_factory(app), due + dt.timedelta(hours=1))
    kinds = [e["kind"] for e in _inbox(client, cast["owner"])["items"]]
    assert kinds == ["deadline_passed", "deadline_near", "share_request_received"]


def _hook(client, cast, url, role="owner"):
    r = client.post(f"{API}/webhooks", json={"url": url, "secret": SECRET}, headers=cast[role])
    assert r.status_code == 201, r.json
    assert "secret" not in r.json
    return r.json["id"]


def test_a_webhook_receives_each_event_signed_with_hmac_sha256(app, client, cast):
    with Receiver() as receiver:
        hook = _hook(client, cast, receiver.url)
        sr = _share_request(client, cast)
        summary = run_once(_factory(app))
    assert summary.deliveries.delivered == 1
    ((headers, body),) = receiver.received
    stamp = headers["X-InfraShare-Timestamp"]
    mac = hmac.new(SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-InfraShare-Signature"] == f"sha256={mac}"
    payload = json.loads(body)
    assert payload["event"]["kind"] == "share_request_received"
    assert payload["event"]["object"] == f"share_request:{sr}"
    log = client.get(f"{API}/webhooks/{hook}/deliveries", headers=cast["owner"]).json
    assert [(d["state"], d["attempts"], d["last_status"]) for d in log["items"]] == [
        ("delivered", 1, 204)
    ]


def test_a_failing_webhook_is_retried_with_backoff_then_given_up_and_disabled(app, client, cast):
    factory = _factory(app)
    with Receiver(status=500) as receiver:
        hook = _hook(client, cast, receiver.url)
        _share_request(client, cast)
        _share_request(client, cast)
        now = utcnow()
        run_once(factory, now)  # first attempt of both
        assert len(receiver.received) == 2
        run_once(factory, now + dt.timedelta(seconds=20))  # backoff: not yet
        assert len(receiver.received) == 2
        waited = dt.timedelta()
        for attempt in range(1, delivery.MAX_ATTEMPTS):
            waited += delivery.backoff(attempt)
            run_once(factory, now + waited)
        assert len(receiver.received) == 2 * delivery.MAX_ATTEMPTS
    log = client.get(f"{API}/webhooks/{hook}/deliveries", headers=cast["owner"]).json["items"]
    assert {(d["state"], d["attempts"], d["last_status"]) for d in log} == {
        ("failed", delivery.MAX_ATTEMPTS, 500)
    }
    state = client.get(f"{API}/webhooks/{hook}", headers=cast["owner"]).json
    assert 2 * delivery.MAX_ATTEMPTS >= delivery.DISABLE_AFTER
    assert state["active"] is False and state["disabled_at"] is not None


def test_webhooks_belong_to_their_organisation(client, cast):
    hook = _hook(client, cast, "https://hooks.example.org/x")
    assert client.get(f"{API}/webhooks/{hook}", headers=cast["operator"]).status_code == 404
    assert client.get(f"{API}/webhooks", headers=cast["operator"]).json["items"] == []
    assert client.delete(f"{API}/webhooks/{hook}", headers=cast["operator"]).status_code == 404
    assert client.delete(f"{API}/webhooks/{hook}", headers=cast["owner"]).status_code == 204


BAD_WEBHOOKS = [
    ({"url": "ftp://x.org/h", "secret": SECRET}, "url"),
    ({"url": "https://u:p@x.org/h", "secret": SECRET}, "url"),
    ({"url": "https://x.org/h", "secret": "short"}, "secret"),
]


def test_a_bad_webhook_is_a_422_naming_the_field(client, cast):
    for body, field in BAD_WEBHOOKS:
        r = client.post(f"{API}/webhooks", json=body, headers=cast["owner"])
        assert r.status_code == 422 and field in r.json["errors"], (body, r.json)


def test_a_long_audit_backlog_is_projected_batch_by_batch(app, client, cast):
    from registry.db.uow import Actor, UnitOfWork
    from registry.notify import projection

    for _ in range(3):
        _share_request(client, cast)  # each: an asset, then a share request (2 audit entries)
    with UnitOfWork(_factory(app), Actor.system("test")) as uow:
        assert projection.project(uow, limit=1) == 3
    assert len(_inbox(client, cast["owner"])["items"]) == 3
