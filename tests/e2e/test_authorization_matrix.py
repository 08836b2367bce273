"""Every endpoint × every role × own/other object, generated from the app's URL map.

A new endpoint without a rule in api/auth/rules.py fails here: access is denied by default.
"""

from __future__ import annotations

import re

import pytest

from api.auth.rules import ENDPOINT_RULES, PUBLIC, allowed_roles
from tests.e2e.authz_world import routes

ROLES = ["owner", "operator", "approver", "admin"]


def test_every_endpoint_has_an_access_rule(app):
    missing = [
        f"{m} {r.rule} ({r.endpoint})"
        for r, m in routes(app)
        if r.endpoint not in PUBLIC and allowed_roles(r.endpoint, m) is None
    ]
    assert not missing, f"endpoints without a rule in api/auth/rules.py: {missing}"


def test_the_rule_table_names_no_endpoint_that_does_not_exist(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert set(ENDPOINT_RULES) <= endpoints


@pytest.fixture
def world(app, client, make_token):
    """Two owners with one public asset each, an operator, an approver and an admin."""
    tokens = {
        "owner": make_token("Owner A", "owner", sector="tower_company"),
        "other_owner": make_token("Owner B", "owner", sector="power"),
        "operator": make_token("Operator C", "operator", sector="telecom"),
        "approver": make_token("Approver D", "approver", sector="municipal"),
        "admin": make_token("Admin E", "admin"),
    }
    orgs = {o["name"]: o["id"] for o in client.get("/api/v1/organisations").json["items"]}
    assets = {}
    for key, org in (("own", "Owner A"), ("other", "Owner B")):
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [108.36, 22.81]},
            "properties": {
                "kind": "tower",
                "owner_id": orgs[org],
                "owner_ref": f"{key}-1",
                "capacity": {"antenna_mount": {"total": 4}},
            },
        }
        assets[key] = client.post("/api/v1/assets", json=feature).json
    return {"tokens": tokens, "orgs": orgs, "assets": assets}


def _url(rule, world, whose: str) -> str:
    asset = world["assets"][whose]
    values = {
        "asset_id": asset["id"],
        "owner_id": asset["properties"]["owner_id"],
        "owner_ref": asset["properties"]["owner_ref"],
        "org_id": asset["properties"]["owner_id"],
    }
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: str(values.get(m[1], 1)), rule.rule)


def _body(rule, method, world, whose):
    """A valid body where the object rule is checked only after validation."""
    if rule.endpoint == "assets.AssetByRef":
        feature = dict(world["assets"][whose])
        return {
            "type": "Feature",
            "geometry": feature["geometry"],
            "properties": {"kind": "tower", "capacity": {"antenna_mount": {"total": 4}}},
        }
    return {}


def _call(client, rule, method, token, world, whose):
    return client.open(
        _url(rule, world, whose),
        method=method,
        json=_body(rule, method, world, whose),
        headers={"Authorization": f"Bearer {token}"},
    )


def test_each_role_gets_exactly_what_the_rules_allow(app, world):
    fresh = app.test_client()
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC or "/api/v1/" not in rule.rule:
            continue
        allowed = allowed_roles(rule.endpoint, method)
        for role in ROLES:
            r = _call(fresh, rule, method, world["tokens"][role], world, "own")
            denied = r.status_code == 403
            expected_denied = role != "admin" and role not in allowed
            assert denied == expected_denied, (method, rule.rule, role, r.status_code, r.json)
            assert r.status_code != 500, (method, rule.rule, role, r.json)


def test_an_owner_cannot_change_another_owners_asset(app, world):
    fresh = app.test_client()
    own_writes = [
        (r, m) for r, m in routes(app) if m != "GET" and "assets" in r.endpoint and "<" in r.rule
    ]
    assert own_writes
    for rule, method in own_writes:
        other = _call(fresh, rule, method, world["tokens"]["other_owner"], world, "own")
        assert other.status_code == 403, (method, rule.rule, other.json)
        mine = _call(fresh, rule, method, world["tokens"]["owner"], world, "own")
        assert mine.status_code in (200, 201, 204), (method, rule.rule, mine.json)
        if method == "DELETE":
            break


def test_a_forbidden_answer_reveals_nothing_about_the_object(app, world):
    r = app.test_client().delete(
        f"/api/v1/assets/{world['assets']['own']['id']}",
        headers={"Authorization": f"Bearer {world['tokens']['other_owner']}"},
    )
    assert r.status_code == 403
    assert "own-1" not in r.get_data(as_text=True)
