"""A regional approver can neither see nor act on anything outside its area: one test per action.

Nanning's planning office holds a jurisdiction around Nanning; the same operator files one
site in Nanning and one in Guilin, and the national regulator decides the Guilin one
(require_share, which opens a share request on a Guilin tower).
"""

from __future__ import annotations

import pytest

from tests.e2e.authz_world import bearer, regional_approver_token, site_request
from tests.e2e.workflow_http import tower_feature

API = "/api/v1"
SITES = {"nanning": (108.366, 22.817), "guilin": (110.29, 25.27)}


@pytest.fixture
def two_cities(app, client, make_token, tmp_path):
    """Requests in Nanning and Guilin; both decided (require_share) by their approvers."""
    local = bearer(regional_approver_token(app, tmp_path))
    national = bearer(make_token("MIIT", "approver"))
    operator = bearer(make_token("China Mobile", "operator", sector="telecom"))
    owner = bearer(make_token("China Tower", "owner", sector="tower_company"))
    owner_id = client.get(f"{API}/organisations?name=China Tower").json
    owner_id = next(o["id"] for o in owner_id["items"] if o["name"] == "China Tower")
    ids, decisions, shares = {}, {}, {}
    for city, (lon, lat) in SITES.items():
        tower = tower_feature(owner_id, ref=f"TWR-{city}", lon=lon + 0.001, lat=lat)
        assert client.post(f"{API}/assets", json=tower, headers=owner).status_code == 201
        r = client.post(f"{API}/build-requests", json=site_request(lon, lat), headers=operator)
        assert r.status_code == 201, r.json
        ids[city] = r.json["id"]
    for city, approver in (("nanning", local), ("guilin", national)):
        body = {"build_request_id": ids[city], "decision": "require_share"}
        r = client.post(f"{API}/decisions", json=body, headers=approver)
        assert r.status_code == 201, r.json
        decisions[city], shares[city] = r.json["id"], r.json["share_request_ids"][0]
    return {"local": local, "ids": ids, "decisions": decisions, "shares": shares}


def test_it_cannot_read_a_build_request_outside_its_area(client, two_cities):
    ctx = two_cities
    outside = client.get(f"{API}/build-requests/{ctx['ids']['guilin']}", headers=ctx["local"])
    assert outside.status_code == 404
    inside = client.get(f"{API}/build-requests/{ctx['ids']['nanning']}", headers=ctx["local"])
    assert inside.status_code == 200


def test_it_lists_only_build_requests_inside_its_area(client, two_cities):
    ctx = two_cities
    listed = client.get(f"{API}/build-requests", headers=ctx["local"]).json
    assert [i["id"] for i in listed["items"]] == [ctx["ids"]["nanning"]]


def test_it_cannot_rematch_a_build_request_outside_its_area(client, two_cities, make_token):
    ctx = two_cities
    # An open request in Guilin (the decided one cannot be re-matched by anyone).
    operator = bearer(make_token("China Unicom", "operator", sector="telecom"))
    r = client.post(f"{API}/build-requests", json=site_request(*SITES["guilin"]), headers=operator)
    outside = client.post(f"{API}/build-requests/{r.json['id']}/rematch", headers=ctx["local"])
    assert outside.status_code == 404
    r = client.post(f"{API}/build-requests", json=site_request(*SITES["nanning"]), headers=operator)
    inside = client.post(f"{API}/build-requests/{r.json['id']}/rematch", headers=ctx["local"])
    assert inside.status_code == 201


def test_it_cannot_decide_a_build_request_outside_its_area(client, two_cities, make_token):
    ctx = two_cities
    operator = bearer(make_token("China Unicom", "operator", sector="telecom"))
    r = client.post(f"{API}/build-requests", json=site_request(*SITES["guilin"]), headers=operator)
    body = {"build_request_id": r.json["id"], "decision": "reject", "reason": "not in plan"}
    assert client.post(f"{API}/decisions", json=body, headers=ctx["local"]).status_code == 404


def test_it_lists_its_own_decisions_and_none_outside_its_area(client, two_cities):
    ctx = two_cities
    listed = client.get(f"{API}/decisions", headers=ctx["local"]).json
    assert [d["id"] for d in listed["items"]] == [ctx["decisions"]["nanning"]]


def test_it_reads_the_audit_of_a_request_it_decided_and_not_of_others(client, two_cities):
    ctx = two_cities
    mine = client.get(
        f"{API}/audit",
        query_string={"object": f"build_request:{ctx['ids']['nanning']}"},
        headers=ctx["local"],
    )
    assert mine.status_code == 200
    assert {e["action"] for e in mine.json["items"]} >= {"create", "require_share"}
    for obj in (f"build_request:{ctx['ids']['guilin']}", f"decision:{ctx['decisions']['guilin']}"):
        r = client.get(f"{API}/audit", query_string={"object": obj}, headers=ctx["local"])
        assert r.status_code == 403, obj


def test_its_audit_log_holds_nothing_from_outside_its_area(client, two_cities):
    ctx = two_cities
    entries = client.get(f"{API}/audit?limit=1000", headers=ctx["local"]).json["items"]
    outside = {
        f"build_request:{ctx['ids']['guilin']}",
        f"decision:{ctx['decisions']['guilin']}",
        f"share_request:{ctx['shares']['guilin']}",
    }
    assert entries, "it sees the history of its own area"
    assert not {e["object"] for e in entries} & outside


def test_its_deadlines_hold_nothing_from_outside_its_area(client, two_cities, make_token):
    ctx = two_cities
    operator = bearer(make_token("China Unicom", "operator", sector="telecom"))
    opened = {
        city: client.post(
            f"{API}/build-requests", json=site_request(*SITES[city]), headers=operator
        )
        for city in SITES
    }
    r = client.get(f"{API}/deadlines?within_days=200", headers=ctx["local"])
    assert r.status_code == 200
    objects = {i["object"] for i in r.json["items"]}
    assert f"build_request:{opened['nanning'].json['id']}" in objects
    assert f"build_request:{opened['guilin'].json['id']}" not in objects


def test_it_cannot_see_share_requests_opened_outside_its_area(client, two_cities):
    ctx = two_cities
    r = client.get(f"{API}/share-requests/{ctx['shares']['guilin']}", headers=ctx["local"])
    assert r.status_code == 404
    listed = client.get(f"{API}/share-requests", headers=ctx["local"]).json["items"]
    assert ctx["shares"]["guilin"] not in {i["id"] for i in listed}
