"""The open directory: no token, only what anyone may know, and a leak test."""

from __future__ import annotations

import csv
import io
import json

import pytest

TERMS = {
    "price_per_unit_year": 1200,
    "currency": "CNY",
    "contact": "towers@nanning.gov.cn",
    "conditions": "Mounts above 8 m only; night works.",
    "valid_until": "2099-12-31",
}
SECRET_REF = "NN-SECRET-LAMP-7"
SECRET_XY = (108.3671234, 22.8172345)


def _lamp(owner_id, ref, xy=(108.37, 22.82), **props):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": list(xy)},
        "properties": {
            "kind": "pole",
            "owner_id": owner_id,
            "owner_ref": ref,
            "height_m": 12,
            "use": "lighting",
            "material": "steel",
            "capacity": {"attachment": {"total": 2}},
            "open_terms": TERMS,
            **props,
        },
    }


@pytest.fixture
def city(app, make_token):
    """A city's lamps: one open, and others that must never appear."""
    token = make_token("Nanning Municipal", "owner", sector="municipal")
    telco = make_token("China Mobile Nanning", "owner", sector="telecom")
    c = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    orgs = {o["name"]: o["id"] for o in c.get("/api/v1/organisations", headers=auth).json["items"]}
    city_id, telco_id = orgs["Nanning Municipal"], orgs["China Mobile Nanning"]

    def post(feature, headers=auth):
        r = c.post("/api/v1/assets", json=feature, headers=headers)
        assert r.status_code == 201, r.json
        return r.json["id"]

    ids = {
        "open": post(_lamp(city_id, "NN-LAMP-1")),
        "restricted": post(_lamp(city_id, "NN-LAMP-2", sensitivity="restricted")),
        "confidential": post(_lamp(city_id, SECRET_REF, SECRET_XY, sensitivity="confidential")),
        "planned": post(_lamp(city_id, "NN-LAMP-4", status="planned")),
        "expired": post(
            _lamp(city_id, "NN-LAMP-5", open_terms={**TERMS, "valid_until": "2020-01-01"})
        ),
        "full": post(_lamp(city_id, "NN-LAMP-6", capacity={"attachment": {"total": 0}})),
        "no_terms": post(_lamp(city_id, "NN-LAMP-7", open_terms=None)),
        "telecom": post(_lamp(telco_id, "CM-LAMP-1"), {"Authorization": f"Bearer {telco}"}),
    }
    return {"ids": ids, "auth": auth, "client": c}


def test_the_directory_needs_no_token_and_lists_only_the_open_asset(anonymous_client, city):
    r = anonymous_client.get("/open/v1/directory")
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    body = r.json
    assert [f["id"] for f in body["features"]] == [city["ids"]["open"]]
    (feature,) = body["features"]
    assert set(feature["properties"]) == {"kind", "height_m", "free", "open_terms"}
    assert feature["properties"]["free"] == {"attachment": 2}
    assert feature["properties"]["open_terms"]["contact"] == TERMS["contact"]


def test_nothing_restricted_confidential_or_internal_leaks_in_any_format(anonymous_client, city):
    texts = [
        anonymous_client.get(url).get_data(as_text=True)
        for url in ("/open/v1/directory", "/open/v1/directory?f=csv", "/open/v1/directory?f=json")
    ]
    for text in texts:
        for leaked in (SECRET_REF, "NN-LAMP-2", "owner_ref", "owner_id", "owner_name", "sector"):
            assert leaked not in text
        assert "108.3671234" not in text and "22.8172345" not in text
    for text in (texts[0], texts[2]):
        assert {f["id"] for f in json.loads(text)["features"]} == {city["ids"]["open"]}


def test_csv_has_one_row_per_entry_with_the_terms(anonymous_client, city):
    r = anonymous_client.get("/open/v1/directory?f=csv")
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [int(row["id"]) for row in rows] == [city["ids"]["open"]]
    assert rows[0]["currency"] == "CNY" and rows[0]["free"] == "attachment=2"
    assert rows[0]["wkt"].startswith("POINT")


def test_bbox_kind_and_paging_filter_the_directory(anonymous_client, city):
    def ids(query):
        return [
            f["id"] for f in anonymous_client.get(f"/open/v1/directory?{query}").json["features"]
        ]

    assert ids("bbox=108.36,22.81,108.38,22.83") == [city["ids"]["open"]]
    assert ids("bbox=100,10,101,11") == []
    assert ids("kind=duct") == []
    assert ids("kind=pole,duct&limit=1&offset=0") == [city["ids"]["open"]]
    assert ids("offset=1") == []
    bad = anonymous_client.get("/open/v1/directory?kind=spaceship")
    assert bad.status_code == 422 and "kind" in json.dumps(bad.json["errors"])


def test_bad_terms_are_a_422_naming_the_field(city):
    c, auth = city["client"], city["auth"]
    asset_id = city["ids"]["no_terms"]
    for terms, field in (
        ({**TERMS, "currency": "yuan"}, "open_terms.currency"),
        ({**TERMS, "valid_until": "31/12/2099"}, "open_terms.valid_until"),
        ({**TERMS, "price_per_unit_year": -1}, "open_terms.price_per_unit_year"),
        ({**TERMS, "discount": 5}, "open_terms.discount"),
        ({k: v for k, v in TERMS.items() if k != "contact"}, "open_terms.contact"),
    ):
        r = c.patch(
            f"/api/v1/assets/{asset_id}", json={"properties": {"open_terms": terms}}, headers=auth
        )
        assert r.status_code == 422, terms
        assert field in json.dumps(r.json), (field, r.json)


def test_the_owner_opens_an_asset_by_patch_and_it_appears(anonymous_client, city):
    c, auth = city["client"], city["auth"]
    asset_id = city["ids"]["no_terms"]
    r = c.patch(
        f"/api/v1/assets/{asset_id}", json={"properties": {"open_terms": TERMS}}, headers=auth
    )
    assert r.status_code == 200, r.json
    listed = [f["id"] for f in anonymous_client.get("/open/v1/directory").json["features"]]
    assert asset_id in listed


def test_the_directory_is_an_ogc_collection_too(client, city):
    names = [c["id"] for c in client.get("/ogc/collections").json["collections"]]
    assert "open-directory" in names
    items = client.get("/ogc/collections/open-directory/items").json
    assert [f["id"] for f in items["features"]] == [city["ids"]["open"]]
    one = client.get(f"/ogc/collections/open-directory/items/{city['ids']['open']}")
    assert one.status_code == 200
    hidden = client.get(f"/ogc/collections/open-directory/items/{city['ids']['confidential']}")
    assert hidden.status_code == 404


def test_the_directory_has_its_own_rate_limit(database_url):
    from api import create_app

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "OPEN_DIRECTORY_RATE_LIMIT": "3 per minute",
        }
    )
    client = app.test_client()
    statuses = [client.get("/open/v1/directory").status_code for _ in range(4)]
    app.extensions["infrashare"].engine.dispose()
    assert statuses == [200, 200, 200, 429]
