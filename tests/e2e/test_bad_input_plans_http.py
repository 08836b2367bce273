"""Bad inputs a demanding user sent to the match, plan, build-request and import endpoints:
each a 422 in the user's words, naming the field and the fix, and nothing written."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from matching.planner.requests import MAX_DETOUR
from registry.workflow.models import BuildRequest

POINT = {"type": "Point", "coordinates": [108.366, 22.817]}
LINE = {"type": "LineString", "coordinates": [[108.36, 22.81], [108.37, 22.82]]}
SITE = {"geometry": POINT, "radius_m": 500, "needs": {"antenna_mount": 1}, "purpose": "5G"}
ROUTE = {"geometry": LINE, "corridor_m": 50, "needs": {"fiber_core": 12}, "purpose": "fibre"}


def _build_requests(app) -> int:
    with app.extensions["infrashare"].session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(BuildRequest))


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**SITE, "corridor_m": 50}, "corridor_m", "applies to routes only: send radius_m"),
        ({**ROUTE, "radius_m": 500}, "radius_m", "applies to sites only: send corridor_m"),
    ],
    ids=["a corridor for a site", "a radius for a route"],
)
def test_a_build_request_with_the_other_kinds_width_is_refused(app, client, body, field,
                                                               message):  # fmt: skip
    r = client.post("/api/v1/build-requests", json=body)
    assert r.status_code == 422, r.json
    assert r.json["message"] == f"{field}: {message}"
    assert _build_requests(app) == 0


PLAN = {"from": POINT, "to": {"type": "Point", "coordinates": [108.37, 22.82]},
        "needs": {"fiber_core": 1}}  # fmt: skip
RAW_SITE = '{"geometry": {"type": "Point", "coordinates": [108.366, 22.817]}, '
RAW_PLAN = RAW_SITE.replace('"geometry"', '"from"') + '"to": {"type": "Point", "coordinates": ' \
    '[108.37, 22.82]}, "needs": {"fiber_core": 1}, '  # fmt: skip
FINITE = "must be a finite number (not NaN or Infinity)"
# (url, the body: a dict sent as JSON or raw JSON text, the message)
PLAIN_WORDS = [
    ("/match/site", RAW_SITE + '"radius_m": 1e400, "needs": {"antenna_mount": 1}}',
     f"radius_m: {FINITE}"),
    ("/plan/route", RAW_PLAN + '"max_detour": NaN}', f"max_detour: {FINITE}"),
    ("/build-requests", {**SITE, "wanted_date": "tomorrow"},
     "wanted_date: must be a date written YYYY-MM-DD"),
    ("/plan/route", {**PLAN, "constraints": {"kinds": ["tower"]}},
     "constraints.kinds.0: must be one of: duct, aerial_route, fiber_cable"),
    ("/match/route", {"geometry": LINE, "corridor_m": "wide", "needs": {"fiber_core": 1}},
     "corridor_m: must be a number"),
    ("/match/route", {"geometry": LINE, "corridor_m": 50, "needs": {"fiber_core": 1},
                      "share_threshold": 2}, "share_threshold: must be a number from 0 to 1"),
    ("/match/route", {"geometry": LINE, "corridor_m": 50, "needs": {"fiber_core": 1},
                      "limit": 0}, "limit: must be a whole number from 1 to 100"),
    ("/plan/route", {**PLAN, "max_detour": 0.5},
     f"max_detour: must be a number from 1 to {MAX_DETOUR:g}"),
    ("/build-requests", {**SITE, "radius_m": 0}, "radius_m: must be more than 0 m"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("url", "body", "message"),
    PLAIN_WORDS,
    ids=["an infinite radius", "a NaN detour", "a date that is no date", "an unknown kind",
         "a corridor that is a word", "a threshold above 1", "no candidates", "a detour below 1",
         "a zero radius"],
)  # fmt: skip
def test_a_bad_value_is_refused_in_plain_words(client, url, body, message):
    if isinstance(body, str):
        r = client.post(f"/api/v1{url}", data=body, content_type="application/json")
    else:
        r = client.post(f"/api/v1{url}", json=body)
    assert r.status_code == 422, r.json
    assert r.json["message"] == message


def test_mapping_yaml_that_does_not_parse_says_where_without_the_parsers_internals(client):
    org = client.post("/api/v1/organisations", json={"name": "Grid", "sector": "power"}).json
    collection = b'{"type": "FeatureCollection", "features": []}'
    form = {"owner_id": str(org["id"]), "file": (io.BytesIO(collection), "assets.geojson"),
            "mapping": "fields: {: ["}  # fmt: skip
    r = client.post("/api/v1/imports", data=form, content_type="multipart/form-data")
    assert r.status_code == 422, r.json
    message = r.json["message"]
    assert message.startswith("mapping: is not valid YAML at line 1, column 10: "), message
    assert "<unicode string>" not in message and "\n" not in message


# An unknown resource's message listed the vocabulary as Python enum reprs,
# "[<Resource.ATTACHMENT: 'attachment'>, ...]"; it names the resources as the API spells them.
@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/match/route", {"geometry": LINE, "corridor_m": 50, "needs": {"gold": 1}}),
        ("/plan/route", {**PLAN, "needs": {"gold": 1}}),
    ],
    ids=["match/route", "plan/route"],
)  # fmt: skip
def test_an_unknown_resource_lists_the_resources_by_name(client, url, body):
    r = client.post(f"/api/v1{url}", json=body)
    assert r.status_code == 422
    assert "<Resource." not in r.json["message"], r.json["message"]
    assert r.json["message"].endswith("use one of attachment, fiber_core, subduct"), r.json


def test_a_csv_that_is_not_utf8_is_a_422_not_a_server_error(client):
    # GDAL's Arrow read of the header raised UnicodeDecodeError: a 500.
    org = client.post("/api/v1/organisations", json={"name": "Grid", "sector": "power"}).json
    latin = "name,lon,lat\nTürme Ost,108.3,22.8\n".encode("latin-1")
    form = {"owner_id": str(org["id"]), "file": (io.BytesIO(b"\xff\xfe" + latin), "t.csv")}
    r = client.post("/api/v1/imports", data=form, content_type="multipart/form-data")
    assert r.status_code == 422, r.json
    assert r.json["message"] == "file: is not UTF-8 text: save it as UTF-8 and import it again"
