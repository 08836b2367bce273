"""A body with several bad fields is refused once, naming every one: geometry included, in
the match, plan, build-request and grant bodies; booleans are JSON booleans; a wanted date
has not passed. Nothing is written.

The status rule: `invalid_geometry` where the geometries are the only problems (each named at
the top level of `errors`), `validation_failed` with every field under `errors.json` as soon as
any other field is bad too."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from registry.workflow.models import BuildRequest

POINT = {"type": "Point", "coordinates": [108.366, 22.817]}
SWAPPED = {"type": "Point", "coordinates": [22.817, 108.366]}  # [lat, lon]
ONE_POINT_LINE = {"type": "LineString", "coordinates": [[108.36, 22.81]]}
SWAP_HINT = "GeoJSON wants [lon, lat]"
TWO_POSITIONS = "at least two positions"
AS_TEXT = "must be a whole number, not text: write 1 without the quotes"

# (url, body, {field: a phrase its message holds})
AT_ONCE = [
    ("/match/site", {"geometry": SWAPPED, "radius_m": "far", "needs": {"antenna_mount": 1}},
     {"geometry": SWAP_HINT, "radius_m": "must be a number"}),
    ("/match/site", {"location": SWAPPED, "radius_m": 500, "needs": {"antenna_mount": "1"}},
     {"location": SWAP_HINT, "needs.antenna_mount": AS_TEXT}),
    ("/match/route", {"geometry": ONE_POINT_LINE, "corridor_m": 50, "needs": {"fiber_core": 1},
                      "limit": 0},
     {"geometry": TWO_POSITIONS, "limit": "from 1 to 100"}),
    ("/plan/route", {"from": SWAPPED, "to": ONE_POINT_LINE, "needs": {"fiber_core": "1"}},
     {"from": SWAP_HINT, "to": TWO_POSITIONS, "needs.fiber_core": AS_TEXT}),
    ("/plan/route/build-request", {"from": SWAPPED, "to": POINT, "needs": {"fiber_core": 1},
                                   "purpose": "fibre", "file_share_requests": "yes"},
     {"from": SWAP_HINT, "file_share_requests": "must be true or false"}),
    ("/build-requests", {"geometry": SWAPPED, "radius_m": "far", "needs": {"antenna_mount": 1},
                         "purpose": "5G", "wanted_date": "2001-01-01"},
     {"geometry": SWAP_HINT, "radius_m": "must be a number", "wanted_date": "has passed"}),
    ("/access-grants", {"grantee_org_id": "1", "area": POINT,
                        "valid_from": "2026-01-01T00:00:00Z", "valid_until": "soon"},
     {"grantee_org_id": AS_TEXT, "area": "must be a GeoJSON Polygon or MultiPolygon",
      "valid_until": "e.g. 2027-01-01T00:00:00Z"}),
    # The engine's own rules on single fields are reported with the others.
    ("/match/site", {"geometry": POINT, "radius_m": -5, "needs": {"gold": 1}, "kinds": ["ufo"]},
     {"radius_m": "greater than 0 and at most 50000 m",
      "needs": "unknown resource 'gold'; use one of antenna_mount, attachment",
      "kinds": "unknown kind 'ufo'"}),
    ("/share-requests", {"asset_id": "1", "resource": "antenna_mount", "purpose": "5G"},
     {"asset_id": AS_TEXT, "count": "give either units"}),
    # What a site or a route may not be sent, with the engine's bounds.
    ("/build-requests", {"geometry": {"type": "LineString", "coordinates": [[108.36, 22.81],
                                                                          [108.37, 22.82]]},
                         "radius_m": 500, "min_height_m": 30, "needs": {"antenna_mount": 1},
                         "purpose": "fibre"},
     {"corridor_m": "is required for a route", "radius_m": "applies to sites only",
      "min_height_m": "applies to sites only", "needs": "unknown resource 'antenna_mount'"}),
    ("/build-requests", {"geometry": POINT, "radius_m": 60000, "corridor_m": 5,
                         "needs": {"antenna_mount": 1}, "purpose": "5G"},
     {"radius_m": "must be at most 50000 m", "corridor_m": "applies to routes only"}),
]  # fmt: skip


def _build_requests(app) -> int:
    with app.extensions["infrashare"].session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(BuildRequest))


@pytest.mark.parametrize(
    ("url", "body", "expected"),
    AT_ONCE,
    ids=["site", "site by its old name", "route", "plan", "plan saved", "build request",
         "grant", "engine rules", "share request", "a route's body", "a site's body"],
)  # fmt: skip
def test_every_bad_field_is_reported_at_once(app, client, url, body, expected):
    r = client.post(f"/api/v1{url}", json=body)
    assert r.status_code == 422, r.json
    assert r.json["status"] == "validation_failed"
    errors = r.json["errors"]["json"]
    for field, phrase in expected.items():
        head, *rest = field.split(".")
        found = errors[head]
        for part in rest:
            found = found[part]["value"] if "value" in found[part] else found[part]
        assert phrase in found[0], (field, r.json)
        assert f"{field}: " in r.json["message"]
    assert r.json["message"].count(": ") >= len(expected)
    assert _build_requests(app) == 0


def test_bad_geometries_alone_are_invalid_geometry_each_named(client):
    body = {"from": SWAPPED, "to": ONE_POINT_LINE, "needs": {"fiber_core": 1}}
    r = client.post("/api/v1/plan/route", json=body)
    assert r.status_code == 422, r.json
    assert r.json["status"] == "invalid_geometry"
    assert set(r.json["errors"]) == {"from", "to"}
    assert SWAP_HINT in r.json["errors"]["from"][0]


@pytest.mark.parametrize("flag", ["yes", "true", 1, None])
def test_a_boolean_must_be_a_json_boolean(client, flag):
    body = {"from": POINT, "to": {"type": "Point", "coordinates": [108.37, 22.82]},
            "needs": {"fiber_core": 1}, "purpose": "fibre"}  # fmt: skip
    body["file_share_requests"] = flag
    r = client.post("/api/v1/plan/route/build-request", json=body)
    assert r.status_code == 422, r.json
    message = r.json["message"]
    assert message.startswith("file_share_requests: must "), message
    if flag == "true":
        assert message.endswith("write true without the quotes"), message


def test_marking_events_read_takes_json_booleans(client):
    r = client.post("/api/v1/events/read", json={"all": "true"})
    assert r.status_code == 422, r.json
    assert (
        r.json["message"] == "all: must be true or false, not text: write true without the quotes"
    )
    assert client.post("/api/v1/events/read", json={"all": True}).status_code == 200


SITE = {"geometry": POINT, "radius_m": 500, "needs": {"antenna_mount": 1}, "purpose": "5G"}
PINNED = dt.datetime(2030, 6, 15, 23, 59, tzinfo=dt.UTC)


def test_a_wanted_date_before_today_is_refused_today_is_fine(app, client, monkeypatch):
    monkeypatch.setattr("api.fields.utcnow", lambda: PINNED)
    r = client.post("/api/v1/build-requests", json={**SITE, "wanted_date": "2030-06-14"})
    assert r.status_code == 422, r.json
    assert r.json["message"] == (
        "wanted_date: 2030-06-14 has passed: give today (2030-06-15, UTC) or later"
    )
    assert _build_requests(app) == 0
    r = client.post("/api/v1/build-requests", json={**SITE, "wanted_date": "2030-06-15"})
    assert r.status_code == 201, r.json
    assert r.json["wanted_date"] == "2030-06-15"


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        # 9999-12-31 answered 500: the co-build window around it ends past the last date.
        ("/build-requests", {**SITE, "wanted_date": "9999-12-31"},
         "wanted_date: must be within 10 years: 2040-06-15 at the latest"),
        ("/build-requests", {**SITE, "wanted_date": "2040-06-16"},
         "wanted_date: must be within 10 years: 2040-06-15 at the latest"),
        ("/co-build/1/decision", {"builder_request_id": 1, "reason": "one tower",
                                  "planned_date": "2030-06-01"},
         "planned_date: 2030-06-01 has passed: give today (2030-06-15, UTC) or later"),
    ],
    ids=["the last date there is", "a day too far", "a planned date that has passed"],
)  # fmt: skip
def test_a_plans_date_lies_between_today_and_ten_years_ahead(app, client, monkeypatch, url,
                                                             body, message):  # fmt: skip
    monkeypatch.setattr("api.fields.utcnow", lambda: PINNED)
    r = client.post(f"/api/v1{url}", json=body)
    assert r.status_code == 422, r.json
    assert r.json["message"] == message
    assert _build_requests(app) == 0


@pytest.mark.parametrize(
    ("url", "body", "message"),
    [
        ("/share-requests", {"asset_id": 1, "resource": "fiber_core", "units": [1],
                             "purpose": "swap", "swap": []}, "swap: must be an object"),
        ("/plan/route", {"from": POINT, "to": POINT, "needs": {"fiber_core": 1},
                         "constraints": [1]}, "constraints: must be an object"),
    ],
    ids=["swap", "constraints"],
)  # fmt: skip
def test_a_list_where_an_object_belongs_is_named_as_such(client, url, body, message):
    r = client.post(f"/api/v1{url}", json=body)
    assert r.status_code == 422, r.json
    assert r.json["message"] == message


def test_a_number_beyond_any_float_is_too_large_in_plain_words(client):
    raw = ('{"geometry": {"type": "Point", "coordinates": [108.366, 22.817]}, '
           '"needs": {"antenna_mount": 1}, "radius_m": 1' + "0" * 400 + "}")  # fmt: skip
    r = client.post("/api/v1/match/site", data=raw, content_type="application/json")
    assert r.status_code == 422, r.json
    assert r.json["message"] == "radius_m: is too large a number"


# marshmallow said "Must be one of: ... ." and "Length must be between 1 and 4000.".
@pytest.mark.parametrize(
    ("method", "url", "body", "message"),
    [
        ("post", "/decisions", {"build_request_id": 1, "decision": "maybe"},
         "decision: must be one of: require_share, approve_new_build, reject, request_info"),
        ("post", "/organisations", {"name": "", "sector": "telecom"},
         "name: must be non-empty text of at most 200 characters"),
        ("patch", "/organisations/1", {"contact": "x" * 201},
         "contact: must be at most 200 characters"),
        ("post", "/share-requests", {"asset_id": 1, "resource": "antenna_mount", "units": [],
                                     "purpose": "5G"},
         "units: must list at least one unit number"),
        ("post", "/events/read", {"ids": []}, "ids: must list 1 to 1000 event ids"),
        ("post", "/match/site", {"geometry": POINT, "radius_m": 500, "needs": {"x" * 5000: 1}},
         f"needs: unknown resource '{'x' * 40}...'; use one of antenna_mount, attachment"),
    ],
    ids=["a decision", "an empty name", "a long contact", "no units", "no event ids",
         "a resource of 5000 characters"],
)  # fmt: skip
def test_vocabulary_and_length_are_said_in_plain_words(client, method, url, body, message):
    r = client.open(f"/api/v1{url}", method=method.upper(), json=body)
    assert r.status_code == 422, r.json
    assert r.json["message"] == message


def test_a_grant_with_several_problems_the_service_finds_names_them_all(client):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    body = {"grantee_org_id": 99999, "area": bowtie, "kinds": ["tower"],
            "valid_from": "2026-01-02T00:00:00Z",
            "valid_until": "2026-01-01T00:00:00Z"}  # fmt: skip
    r = client.post("/api/v1/access-grants", json=body)
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"grantee_org_id", "valid_until", "area"}, r.json
    assert r.json["errors"]["valid_until"] == ["must be after valid_from"]
    assert client.get("/api/v1/access-grants").json["items"] == []


def test_a_webhook_with_a_bad_url_and_a_short_secret_names_both(client, cast):
    body = {"url": "ftp://hooks.example.org", "secret": "short"}
    r = client.post("/api/v1/webhooks", json=body, headers=cast["operator"])
    assert r.status_code == 422, r.json
    assert set(r.json["errors"]) == {"url", "secret"}, r.json
    assert client.get("/api/v1/webhooks", headers=cast["operator"]).json["items"] == []
