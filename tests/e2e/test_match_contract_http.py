"""Match requests are typed at the edge: `geometry` as everywhere else, the old names still
work (with a Deprecation header), and the documented report schema loses nothing."""

from __future__ import annotations

import json

from shapely.geometry import LineString, Point

from api.match.report_schemas import RouteReportSchema, SiteReportSchema
from matching.requests import RouteRequest, SiteRequest
from tests.e2e.test_confidentiality import PLANNED_SITE, scene  # noqa: F401
from tests.e2e.test_match_http import SITE, towers  # noqa: F401

POINT = {"type": "Point", "coordinates": SITE}
LINE = {"type": "LineString", "coordinates": [SITE, [108.372, 22.817]]}


def _site(**geometry) -> dict:
    return {**geometry, "radius_m": 500, "needs": {"antenna_mount": 1}}


def test_a_site_is_sent_as_geometry_without_deprecation(client, towers):  # noqa: F811
    r = client.post("/api/v1/match/site", json=_site(geometry=POINT))
    assert r.status_code == 200 and r.json["verdict"] == "share"
    assert "Deprecation" not in r.headers


def test_the_old_name_location_still_works_and_says_it_is_deprecated(client, towers):  # noqa: F811
    new = client.post("/api/v1/match/site", json=_site(geometry=POINT)).json
    old = client.post("/api/v1/match/site", json=_site(location=POINT))
    assert old.status_code == 200 and old.json == new
    assert old.headers["Deprecation"] == "true"
    assert "location is deprecated: send geometry" in old.headers["Warning"]


def test_the_old_name_route_still_works_for_routes(client):
    body = {"corridor_m": 30, "needs": {"fiber_core": 2}}
    new = client.post("/api/v1/match/route", json={**body, "geometry": LINE})
    old = client.post("/api/v1/match/route", json={**body, "route": LINE})
    assert new.status_code == old.status_code == 200
    assert old.json == new.json and old.headers["Deprecation"] == "true"


def test_both_names_at_once_is_a_422_naming_the_old_one(client):
    r = client.post("/api/v1/match/site", json=_site(geometry=POINT, location=POINT))
    assert r.status_code == 422 and "location" in str(r.json["errors"])


def test_a_line_sent_to_the_site_match_names_geometry(client):
    r = client.post("/api/v1/match/site", json=_site(geometry=LINE))
    assert r.status_code == 422 and list(r.json["errors"]) == ["geometry"]


def test_the_site_report_schema_keeps_every_field_of_the_engines_report(app, client, towers):  # noqa: F811
    shown = client.post("/api/v1/match/site", json=_site(geometry=POINT)).json
    matcher = app.extensions["infrashare"].matcher
    raw = matcher.match_site(SiteRequest(Point(*SITE), 500, {"antenna_mount": 1}))
    assert shown == json.loads(json.dumps({**raw, "hidden_candidates": {"count": 0, "ask": []}}))


def test_the_route_report_schema_keeps_every_field_of_the_engines_report(app, client, towers):  # noqa: F811
    body = {"geometry": LINE, "corridor_m": 30, "needs": {"fiber_core": 2}}
    shown = client.post("/api/v1/match/route", json=body).json
    matcher = app.extensions["infrashare"].matcher
    raw = matcher.match_route(RouteRequest(LineString(LINE["coordinates"]), 30, {"fiber_core": 2}))
    assert shown == json.loads(json.dumps({**raw, "hidden_candidates": {"count": 0, "ask": []}}))


def test_the_match_reports_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    site = spec["paths"]["/api/v1/match/site"]["post"]["responses"]["200"]
    route = spec["paths"]["/api/v1/match/route"]["post"]["responses"]["200"]
    assert site["content"]["application/json"]["schema"]["$ref"].endswith("/SiteReport")
    assert route["content"]["application/json"]["schema"]["$ref"].endswith("/RouteReport")
    assert "candidates" in spec["components"]["schemas"]["SiteReport"]["properties"]


def _as_documented(response, schema) -> bytes:
    """The bytes the view would answer if it dumped its report through the documented schema."""
    dumped = schema.dump(response.json)
    return json.dumps(dumped, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def test_a_redacted_report_is_answered_exactly_as_its_documented_schema_dumps_it(scene):  # noqa: F811
    # The view encodes the redacted report without marshmallow: masked and hidden candidates
    # included, it must already be the schema's dump, byte for byte (ints stay ints, floats
    # floats, no field the schema lacks).
    auth = {"Authorization": f"Bearer {scene['operator']}"}
    body = {"geometry": {"type": "Point", "coordinates": list(PLANNED_SITE)}, "radius_m": 500,
            "needs": {"antenna_mount": 1}}  # fmt: skip
    r = scene["client"].post("/api/v1/match/site", json=body, headers=auth)
    assert r.status_code == 200
    assert r.json["hidden_candidates"]["count"] == 1
    assert any(c.get("masked") for c in r.json["candidates"])
    assert r.data == _as_documented(r, SiteReportSchema())


def test_site_and_route_reports_are_answered_exactly_as_their_schemas_dump_them(client, towers):  # noqa: F811
    site = client.post("/api/v1/match/site", json=_site(geometry=POINT))
    route = client.post(
        "/api/v1/match/route", json={"geometry": LINE, "corridor_m": 30, "needs": {"fiber_core": 2}}
    )
    assert site.json["candidates"] and site.data == _as_documented(site, SiteReportSchema())
    assert route.status_code == 200 and route.data == _as_documented(route, RouteReportSchema())
