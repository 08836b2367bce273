"""OGC API - Features as QGIS sees it: OWSLib against a live server lists, pages and fetches."""

from __future__ import annotations

import owslib.ogcapi
import pytest
import requests
from owslib.ogcapi.features import Features

from registry.db.uow import UnitOfWork
from registry.inventory import assets
from registry.inventory.validation import parse_asset_feature
from registry.inventory.vocabulary import Kind
from tests.factories import line_feature, make_org, point_feature

N_TOWERS = 23


@pytest.fixture
def registry(app, actor):
    """23 towers (one restricted, one confidential) and a cable."""
    factory = app.extensions["infrashare"].session_factory
    owner = make_org(factory)
    ids = []
    with UnitOfWork(factory, actor) as uow:
        for i in range(N_TOWERS):
            sensitivity = {5: "restricted", 6: "confidential"}.get(i, "public")
            feature = point_feature(owner.id, 108.3 + i / 1000, 22.8, sensitivity=sensitivity)
            ids.append(assets.create_asset(uow, parse_asset_feature(feature)).id)
        cable = line_feature(owner.id, [(108.3, 22.8), (108.31, 22.81)])
        assets.create_asset(uow, parse_asset_feature(cable))
    return ids


def _client(base: str, token: str, monkeypatch) -> Features:
    # OWSLib keeps its request headers in a module-level dict; keep our token out of it.
    monkeypatch.setattr(owslib.ogcapi, "REQUEST_HEADERS", dict(owslib.ogcapi.REQUEST_HEADERS))
    return Features(f"{base}/ogc/", headers={"Authorization": f"Bearer {token}"})


def test_owslib_lists_collections_pages_items_and_fetches_one(
    live_server, admin_token, registry, monkeypatch
):
    ogc = _client(live_server, admin_token, monkeypatch)
    assert (
        "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"
        in (ogc.conformance()["conformsTo"])
    )
    # one collection per kind, and the open directory (docs/planning.md)
    assert sorted(ogc.feature_collections()) == sorted([*(k.value for k in Kind), "open-directory"])
    tower = ogc.collection("tower")
    assert tower["extent"]["spatial"]["bbox"][0] == pytest.approx([108.3, 22.8, 108.322, 22.8])
    seen, offset = [], 0
    while True:
        page = ogc.collection_items("tower", limit=10, offset=offset)
        assert page["numberMatched"] == N_TOWERS
        assert page["numberReturned"] == len(page["features"])
        seen += [f["id"] for f in page["features"]]
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert {"self", "alternate", "collection"} <= set(rels)
        if "next" not in rels:
            break
        assert f"offset={offset + 10}" in rels["next"]
        offset += 10
    assert seen == registry and offset == 20 and "prev" in rels
    one = ogc.collection_item("tower", str(registry[3]))
    assert one["id"] == registry[3] and one["properties"]["kind"] == "tower"
    assert one["geometry"]["coordinates"] == pytest.approx([108.303, 22.8])


def test_items_are_geojson_filtered_by_bbox_and_datetime(live_server, http, registry):
    base = f"{live_server}/ogc/collections/tower/items"
    response = http.get(base, params={"bbox": "108.3045,22.79,108.3085,22.81", "limit": 100})
    assert response.headers["Content-Type"] == "application/geo+json"
    assert [f["id"] for f in response.json()["features"]] == registry[5:9]
    late = http.get(base, params={"datetime": "2100-01-01T00:00:00Z/.."}).json()
    early = http.get(base, params={"datetime": "../2100-01-01"}).json()
    assert (late["numberMatched"], early["numberMatched"]) == (0, N_TOWERS)
    bad = http.get(base, params={"datetime": "yesterday"})
    assert (bad.status_code, list(bad.json()["errors"]["query"])) == (422, ["datetime"])
    assert http.get(f"{live_server}/ogc/collections/nothing/items").status_code == 404
    assert http.get(f"{base}/{registry[0] + 10_000}").status_code == 404
    assert http.get(f"{live_server}/ogc/collections").headers["Content-Type"] == (
        "application/json"
    )


def test_ogc_shows_each_caller_only_what_it_may_see(live_server, make_token, registry, monkeypatch):
    token = make_token("China Mobile Nanning", "operator", sector="telecom")
    ogc = _client(live_server, token, monkeypatch)
    page = ogc.collection_items("tower", limit=100)
    assert page["numberMatched"] == N_TOWERS - 1  # the confidential one is not there at all
    masked = [f for f in page["features"] if f["properties"].get("masked")]
    assert [f["id"] for f in masked] == [registry[5]]
    assert "owner_ref" not in masked[0]["properties"]
    with pytest.raises(RuntimeError):
        ogc.collection_item("tower", str(registry[6]))
    anonymous = requests.get(f"{live_server}/ogc/collections", timeout=10)
    assert anonymous.status_code == 401
