"""Exports take the list filters of GET /api/v1/assets and show only what the caller may see."""

from __future__ import annotations

import csv
import io
import random

import pytest
from shapely.geometry import shape

from registry.access.visibility import snap
from registry.db.uow import UnitOfWork
from registry.inventory import allocations, assets
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature

CENTRE = (108.366, 22.817)
FILTERS = [
    "kind=tower",
    "kind=tower,fiber_cable&status=planned",
    "sector=telecom",
    "bbox=108.36,22.81,108.37,22.82",
    "min_free=antenna_mount:5",
    "near=108.366,22.817&radius_m=800",
    "owner_id=1&kind=pole",
]


def _registry(session_factory, actor) -> list[int]:
    rng = random.Random(3)
    owners = [make_org(session_factory).id, make_org(session_factory, "CM", "telecom").id]
    ids = []
    with UnitOfWork(session_factory, actor) as uow:
        for i in range(40):
            lon, lat = CENTRE[0] + rng.uniform(-0.01, 0.01), CENTRE[1] + rng.uniform(-0.01, 0.01)
            owner, status = rng.choice(owners), rng.choice(["in_service", "planned"])
            if i % 4 == 3:
                feature = line_feature(owner, [(lon, lat), (lon + 0.003, lat + 0.002)],
                                       status=status)  # fmt: skip
            else:
                feature = point_feature(owner, lon, lat, kind=rng.choice(["tower", "pole"]),
                                        status=status)  # fmt: skip
            ids.append(assets.create_asset(uow, parse_asset_feature(feature)).id)
    with UnitOfWork(session_factory, actor) as uow:
        tower = next(i for i in ids if assets.get_asset(uow.session, i).kind == "tower")
        allocations.allocate(uow, tower, "antenna_mount", owners[1], count=2)
    return ids


def test_an_export_holds_exactly_what_the_list_endpoint_finds(client, session_factory, actor):
    _registry(session_factory, actor)
    for query in FILTERS:
        listed = client.get(f"/api/v1/assets?{query}&limit=1000").json
        expected = sorted(f["id"] for f in listed["features"])
        exported = client.get(f"/api/v1/exports/assets.geojson?{query}")
        assert exported.status_code == 200
        assert exported.headers["Content-Type"] == "application/geo+json"
        assert sorted(f["id"] for f in exported.json["features"]) == expected, query
        text = client.get(f"/api/v1/exports/assets.csv?{query}").text
        assert sorted(int(r["id"]) for r in csv.DictReader(io.StringIO(text))) == expected, query
    assert any(client.get(f"/api/v1/assets?{q}").json["numberMatched"] for q in FILTERS)


def test_bad_filters_are_422s_naming_the_field(client):
    response = client.get("/api/v1/exports/assets.csv?bbox=1,2,3")
    assert (response.status_code, list(response.json["errors"]["query"])) == (422, ["bbox"])
    assert client.get("/api/v1/exports/assets.xlsx").status_code == 404


def test_an_export_hides_confidential_assets_and_coarsens_restricted_ones(
    client, make_token, session_factory, actor
):
    owner = make_org(session_factory)
    spots = {"public": (108.3661, 22.8171), "restricted": (108.3673, 22.8182),
             "confidential": (108.3685, 22.8193)}  # fmt: skip
    with UnitOfWork(session_factory, actor) as uow:
        for sensitivity, (lon, lat) in spots.items():
            feature = point_feature(owner.id, lon, lat, ref=sensitivity, sensitivity=sensitivity)
            assets.create_asset(uow, parse_asset_feature(feature))
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token('CM', 'operator')}"
    features = client.get("/api/v1/exports/assets.geojson").json["features"]
    by_ref = {f["properties"].get("owner_ref", "masked"): f for f in features}
    assert sorted(by_ref) == ["masked", "public"]
    assert by_ref["public"]["geometry"]["coordinates"] == list(spots["public"])
    masked = by_ref["masked"]
    assert masked["properties"]["masked"] is True and "height_m" not in masked["properties"]
    expected = snap(shape({"type": "Point", "coordinates": spots["restricted"]}))
    assert masked["geometry"]["coordinates"] == pytest.approx([expected.x, expected.y])
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/exports/assets.csv").text)))
    assert sorted((r["owner_ref"], r["masked"]) for r in rows) == [("", "true"), ("public", "")]
