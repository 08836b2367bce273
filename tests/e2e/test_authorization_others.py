"""Every route, tried on other organisations' objects with real bodies (generated from the URL map).

A route without an expectation in OTHERS_EXPECT fails: a new endpoint must say what acting on
another organisation's object gives.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest

from api.auth.rules import PUBLIC, allowed_roles
from tests.e2e.authz_world import bearer, regional_approver_token, routes, site_request

# --- other organisations' objects, with real bodies -------------------------------------
#
# Owner B, operator X and the national regulator make a set of objects in Guilin; owner A,
# operator C and Nanning's regional approver then try every route on them with bodies that
# pass validation, so the object rule, not the parser, answers. Reads of the public registry
# (assets, organisations, OGC, tiles, exports, match) are open to all; everything that names
# another organisation's workflow object is hidden (404) or refused (403), never done.

GUILIN = (110.29, 25.27)
OPEN_READ, HIDDEN, OWN_CREATE = "open read", "hidden", "own create"
SIGN_OUT = "sign out"  # ends only the caller's own session, then sends it to /login
WEB_PAGES = "home find plan my_requests my_assets import_page incoming grants queue search kpis"
WEB_PAGES = (*WEB_PAGES.split(), "inbox")
# What acting on another organisation's object must give, per endpoint and method.
OTHERS_EXPECT: dict[str, dict[str, str]] = {
    "organisations.Organisations": {"GET": OPEN_READ, "POST": HIDDEN},
    "organisations.OrganisationById": {"GET": OPEN_READ, "PATCH": HIDDEN, "DELETE": HIDDEN},
    "assets.Assets": {"GET": OPEN_READ, "POST": HIDDEN},
    "assets.AssetById": {"GET": OPEN_READ, "PATCH": HIDDEN, "DELETE": HIDDEN},
    "assets.AssetByRef": {"PUT": HIDDEN},
    "assets.AssetCapacity": {"GET": OPEN_READ},
    "match.SiteMatch": {"POST": OPEN_READ},
    "match.RouteMatch": {"POST": OPEN_READ},
    "access_grants.AccessGrants": {"GET": OPEN_READ, "POST": OWN_CREATE},
    "access_grants.AccessGrantById": {"GET": HIDDEN, "DELETE": HIDDEN},
    "imports.Imports": {"POST": HIDDEN},
    "exports.AssetExport": {"GET": OPEN_READ},
    "ogc.Landing": {"GET": OPEN_READ},
    "ogc.Conformance": {"GET": OPEN_READ},
    "ogc.Collections": {"GET": OPEN_READ},
    "ogc.Collection": {"GET": OPEN_READ},
    "ogc.Items": {"GET": OPEN_READ},
    "ogc.Item": {"GET": OPEN_READ},
    "tiles.VectorTile": {"GET": OPEN_READ},
    "share_requests.ShareRequests": {"GET": OPEN_READ, "POST": HIDDEN},
    "share_requests.ShareRequestById": {"GET": HIDDEN},
    "share_requests.ShareRequestAccept": {"POST": HIDDEN},
    "share_requests.ShareRequestReject": {"POST": HIDDEN},
    "share_requests.ShareRequestWithdraw": {"POST": HIDDEN},
    "share_requests.ShareRequestRelease": {"POST": HIDDEN},
    "build_requests.BuildRequests": {"GET": OPEN_READ, "POST": HIDDEN},
    "build_requests.BuildRequestQueue": {"GET": OPEN_READ},
    "build_requests.BuildRequestById": {"GET": HIDDEN},
    "build_requests.BuildRequestRematch": {"POST": HIDDEN},
    "build_requests.BuildRequestRespond": {"POST": HIDDEN},
    "decisions.Decisions": {"GET": OPEN_READ, "POST": HIDDEN},
    "deadlines.Deadlines": {"GET": HIDDEN},
    "audit.Audit": {"GET": HIDDEN},
    # Planning: a plan is a read of the registry; saving one makes the caller's own request.
    "plan.PlanRoute": {"POST": OPEN_READ},
    "plan.PlanBuildRequest": {"POST": OWN_CREATE},
    "co_build.CoBuildGroups": {"GET": OPEN_READ},
    "co_build.CoBuildGroupById": {"GET": HIDDEN},
    "co_build.CoBuildDecision": {"POST": HIDDEN},
    "kpis.Kpis": {"GET": OPEN_READ},
    "ofds.OfdsExport": {"GET": OPEN_READ},
    # The inbox is the caller's own: marking another organisation's event read changes nothing.
    "events.Events": {"GET": OPEN_READ},
    "events.EventsRead": {"POST": OPEN_READ},
    "webhooks.Webhooks": {"GET": OPEN_READ, "POST": OWN_CREATE},
    "webhooks.WebhookById": {"GET": HIDDEN, "DELETE": HIDDEN},
    "webhooks.WebhookDeliveries": {"GET": HIDDEN},
    # The web workspace: pages are shells over the API above; a page naming another
    # organisation's request is hidden; administration is the admins' alone.
    **{f"web.{page}": {"GET": OPEN_READ} for page in WEB_PAGES},
    "web.build_request": {"GET": HIDDEN},
    "web.build_request_print": {"GET": HIDDEN},
    "web.admin": {"GET": HIDDEN, "POST": HIDDEN},
    "web.revoke_token_page": {"POST": HIDDEN},
    "web.logout": {"POST": SIGN_OUT},
}
# List endpoints asked about the other side's objects: they answer 200 with none of them.
LIST_KEYS = {
    "share_requests.ShareRequests": "share_request",
    "build_requests.BuildRequests": "build_request",
    "build_requests.BuildRequestQueue": "build_request",
    "decisions.Decisions": "decision",
    "access_grants.AccessGrants": "grant",
}


def _tower(owner_id, ref, lon, lat):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "kind": "tower",
            "owner_id": owner_id,
            "owner_ref": ref,
            "height_m": 40,
            "capacity": {"antenna_mount": {"total": 6, "heights": [40, 40, 37, 37, 34, 34]}},
        },
    }


def _grant_body(grantee_id):
    now = dt.datetime.now(dt.UTC)
    return {
        "grantee_org_id": grantee_id,
        "area": {
            "type": "Polygon",
            "coordinates": [[[110, 25], [111, 25], [111, 26], [110, 26], [110, 25]]],
        },
        "valid_from": now.isoformat(),
        "valid_until": (now + dt.timedelta(days=30)).isoformat(),
    }


@pytest.fixture
def others(app, client, make_token, tmp_path):
    """Objects of owner B, operator X and the regulator; the actors who must not touch them."""
    t = {
        "owner_b": make_token("Owner B", "owner", sector="power"),
        "operator_x": make_token("Operator X", "operator", sector="telecom"),
        "regulator": make_token("Regulator", "approver"),
        "owner": make_token("Owner A", "owner", sector="tower_company"),
        "operator": make_token("Operator C", "operator", sector="telecom"),
        "approver": regional_approver_token(app, tmp_path),
    }
    orgs = {o["name"]: o["id"] for o in client.get("/api/v1/organisations").json["items"]}
    b, x = orgs["Owner B"], orgs["Operator X"]
    lon, lat = GUILIN
    tower = client.post(
        "/api/v1/assets", json=_tower(b, "B-1", lon, lat), headers=bearer(t["owner_b"])
    ).json
    ask = {"asset_id": tower["id"], "resource": "antenna_mount", "count": 1, "purpose": "5G"}
    pending = client.post("/api/v1/share-requests", json=ask, headers=bearer(t["operator_x"]))
    accepted = client.post("/api/v1/share-requests", json=ask, headers=bearer(t["operator_x"]))
    r = client.post(
        f"/api/v1/share-requests/{accepted.json['id']}/accept",
        json={"agreement_ref": "B-X-1"},
        headers=bearer(t["owner_b"]),
    )
    assert r.status_code == 200, r.json
    build = client.post(
        "/api/v1/build-requests", json=site_request(lon, lat), headers=bearer(t["operator_x"])
    )
    asked = client.post(
        "/api/v1/build-requests", json=site_request(lon, lat), headers=bearer(t["operator_x"])
    )
    question = {"build_request_id": asked.json["id"], "decision": "request_info", "reason": "?"}
    r = client.post("/api/v1/decisions", json=question, headers=bearer(t["regulator"]))
    assert r.status_code == 201, r.json
    grant = client.post(
        "/api/v1/access-grants", json=_grant_body(x), headers=bearer(t["owner_b"])
    ).json
    hook = {"url": "https://hooks.example.org/owner-b", "secret": "owner-b-secret-0123456789"}
    hook = client.post("/api/v1/webhooks", json=hook, headers=bearer(t["owner_b"]))
    assert hook.status_code == 201, hook.json
    return {
        "tokens": t,
        "org_ids": orgs,
        "owner_b": b,
        "operator_x": x,
        "tower": tower,
        "share": {"pending": pending.json["id"], "accepted": accepted.json["id"]},
        "build": {"pending": build.json["id"], "asked": asked.json["id"]},
        "decision": r.json["id"],
        "grant": grant["id"],
        "webhook": hook.json["id"],
    }


def _others_url(rule, w) -> str:
    tower = w["tower"]
    request_id = w["build"]["pending"] if "build_requests" in rule.endpoint else None
    if rule.endpoint in ("web.build_request", "web.build_request_print"):
        request_id = w["build"]["pending"]
    if rule.endpoint == "build_requests.BuildRequestRespond":
        request_id = w["build"]["asked"]
    elif rule.endpoint == "share_requests.ShareRequestRelease":
        request_id = w["share"]["accepted"]
    elif "share_requests" in rule.endpoint:
        request_id = w["share"]["pending"]
    x, y = 3302, 1750  # the z12 tile of the Guilin tower
    values = {
        "asset_id": tower["id"],
        "owner_id": w["owner_b"],
        "owner_ref": "B-1",
        "org_id": w["owner_b"],
        "grant_id": w["grant"],
        "webhook_id": w["webhook"],
        "group_id": 1,
        "token_id": 1,
        "what": "spans",
        "request_id": request_id,
        "collection_id": "tower",
        "feature_id": tower["id"],
        "fmt": "geojson",
        "z": 12,
        "x": x,
        "y": y,
    }
    url = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", lambda m: str(values[m[1]]), rule.rule)
    query = {
        "share_requests.ShareRequests": f"?owner_id={w['owner_b']}",
        "build_requests.BuildRequests": f"?requester_id={w['operator_x']}",
        "decisions.Decisions": f"?build_request_id={w['build']['asked']}",
        "deadlines.Deadlines": f"?org_id={w['operator_x']}",
        "audit.Audit": f"?object=build_request:{w['build']['asked']}",
        "kpis.Kpis": f"?from=2026-01-01&to=2026-12-31&owner_id={w['owner_b']}",
    }
    return url + query.get(rule.endpoint, "")


def _others_body(endpoint, method, w, role_org_id):
    lon, lat = GUILIN
    tower = _tower(w["owner_b"], "B-2", lon + 0.001, lat)
    bodies = {
        ("organisations.Organisations", "POST"): {"name": "New Org", "sector": "other"},
        ("organisations.OrganisationById", "PATCH"): {"contact": "someone@example.org"},
        ("assets.Assets", "POST"): tower,
        ("assets.AssetById", "PATCH"): {"properties": {"height_m": 30}},
        ("assets.AssetByRef", "PUT"): {
            "type": "Feature",
            "geometry": tower["geometry"],
            "properties": {"kind": "tower", "capacity": {"antenna_mount": {"total": 4}}},
        },
        ("match.SiteMatch", "POST"): {
            "location": {"type": "Point", "coordinates": [lon, lat]},
            "radius_m": 500,
            "needs": {"antenna_mount": 1},
        },
        ("match.RouteMatch", "POST"): {
            "route": {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.01, lat]]},
            "corridor_m": 50,
            "needs": {"fiber_core": 2},
        },
        ("access_grants.AccessGrants", "POST"): _grant_body(role_org_id),
        ("share_requests.ShareRequests", "POST"): {
            "asset_id": w["tower"]["id"],
            "resource": "antenna_mount",
            "count": 1,
            "purpose": "on another operator's behalf",
            "requester_org_id": w["operator_x"],
        },
        ("share_requests.ShareRequestAccept", "POST"): {"agreement_ref": "STOLEN-1"},
        ("share_requests.ShareRequestReject", "POST"): {
            "reason_code": "no_capacity",
            "reason": "full",
        },
        ("share_requests.ShareRequestWithdraw", "POST"): {"reason": "changed plans"},
        ("share_requests.ShareRequestRelease", "POST"): {"reason": "done"},
        ("build_requests.BuildRequests", "POST"): {
            **site_request(lon, lat),
            "requester_org_id": w["operator_x"],
        },
        ("build_requests.BuildRequestRespond", "POST"): {"answer": "here is more"},
        ("plan.PlanRoute", "POST"): _plan(lon, lat),
        ("plan.PlanBuildRequest", "POST"): {**_plan(lon, lat), "purpose": "backhaul"},
        ("co_build.CoBuildDecision", "POST"): {
            "builder_request_id": w["build"]["pending"],
            "reason": "one tower for both operators",
        },
        ("events.EventsRead", "POST"): {"ids": [1, 2, 3]},
        ("webhooks.Webhooks", "POST"): {
            "url": "https://hooks.example.org/mine",
            "secret": "my-own-secret-0123456789",
        },
        ("decisions.Decisions", "POST"): {
            "build_request_id": w["build"]["pending"],
            "decision": "reject",
            "reason": "not in plan",
        },
    }
    return bodies.get((endpoint, method))


def _plan(lon, lat):
    return {
        "from": {"type": "Point", "coordinates": [lon, lat]},
        "to": {"type": "Point", "coordinates": [lon + 0.01, lat]},
        "needs": {"fiber_core": 2},
    }


def _call_on_others(client, rule, method, role, w):
    token = w["tokens"][role]
    org_id = w["org_ids"].get(
        {"owner": "Owner A", "operator": "Operator C", "approver": "Nanning Planning"}[role]
    )
    url = _others_url(rule, w)
    if rule.endpoint == "imports.Imports":
        feature = _tower(w["owner_b"], "B-3", *GUILIN)
        data = {
            "owner_id": str(w["owner_b"]),
            "file": (io.BytesIO(json.dumps(feature).encode()), "towers.geojson"),
        }
        return client.post(url, data=data, headers=bearer(token))
    body = _others_body(rule.endpoint, method, w, org_id)
    return client.open(url, method=method, json=body, headers=bearer(token))


def test_no_role_can_see_or_act_on_another_organisations_objects(app, others):
    w, fresh = others, app.test_client()
    untested = []
    for rule, method in routes(app):
        if rule.endpoint in PUBLIC:
            continue
        expect = OTHERS_EXPECT.get(rule.endpoint, {}).get(method)
        if expect is None:
            untested.append(f"{method} {rule.rule}")
            continue
        for role in ("owner", "operator", "approver"):
            r = _call_on_others(fresh, rule, method, role, w)
            where = (method, rule.rule, role, r.status_code, r.data[:300])
            if role not in allowed_roles(rule.endpoint, method):
                assert r.status_code == 403, where
            elif expect == HIDDEN:
                assert r.status_code in (403, 404), where
            elif expect == OWN_CREATE:
                assert r.status_code == 201, where
            elif expect == SIGN_OUT:
                assert r.status_code == 302 and r.location.endswith("/login"), where
            else:
                assert r.status_code == 200, where
                _assert_lists_none_of_theirs(rule.endpoint, r, w, where)
    assert not untested, f"add these routes to OTHERS_EXPECT with a real body: {untested}"


def _assert_lists_none_of_theirs(endpoint, r, w, where):
    key = LIST_KEYS.get(endpoint)
    if key is None:
        return
    theirs = {
        "share_request": set(w["share"].values()),
        "build_request": set(w["build"].values()),
        "decision": {w["decision"]},
        "grant": {w["grant"]},
    }[key]
    assert not {i["id"] for i in r.json["items"]} & theirs, where
