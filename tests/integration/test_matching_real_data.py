"""Real OpenStreetMap data (Liechtenstein, ODbL): the engine agrees with the oracle and Geod."""

from __future__ import annotations

import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from matching.oracle import oracle_route, oracle_site
from matching.requests import RouteRequest, SiteRequest
from registry.db.uow import Actor
from registry.engine.matcher import Matcher
from registry.engine.source import SqlAssetSource
from registry.interop import seeding
from seed_data import liechtenstein

GEOD = Geod(ellps="WGS84")
VADUZ = (9.5209, 47.1410)
SITE = SiteRequest(location=Point(*VADUZ), radius_m=2_000, needs={"antenna_mount": 1})
RAILWAY = "osm-way-241033193"  # 2 km of the Feldkirch-Buchs line: a cable trough (duct)
POWER_LINE = "osm-way-417561859"  # 4 km of LKW overhead line (aerial route)


@pytest.fixture
def registry(session_factory):
    """The Liechtenstein extract loaded through the seeding service; returns its features."""
    orgs, features = liechtenstein.generate()
    seeding.load(session_factory, Actor.system("test"), orgs, features)
    return {f["properties"]["owner_ref"]: f for f in features}


def _oracle_records(session_factory):
    seq, records = SqlAssetSource(session_factory).snapshot()
    return seq, list(records)


def test_a_site_near_vaduz_finds_the_real_masts_and_power_towers(session_factory, registry):
    report = Matcher(session_factory).match_site(SITE)
    found = {(c["kind"], c["owner_name"]) for c in report["candidates"]}
    assert report["verdict"] == "share"
    assert ("rooftop", "Telecom Liechtenstein") in found
    assert ("tower", "Telecom Liechtenstein") in found
    assert ("tower", "Swissgrid") in found  # a 220 kV pylon takes antennas too


def test_the_site_answer_equals_the_oracle_and_geodesic_distances(session_factory, registry):
    report = Matcher(session_factory).match_site(SITE)
    seq, records = _oracle_records(session_factory)
    oracle = oracle_site(records, SITE, seq).to_dict()
    ours, theirs = report["candidates"], oracle["candidates"]
    assert [c["asset_id"] for c in ours] == [c["asset_id"] for c in theirs]
    assert len(ours) == 10  # twelve structures qualify within 2 km; the report keeps ten
    where = {r.id: r.geometry for r in records}
    for candidate, expected in zip(ours, theirs, strict=True):
        assert candidate["distance_m"] == pytest.approx(expected["distance_m"], abs=0.5)
        point = where[candidate["asset_id"]]
        _, _, metres = GEOD.inv(*VADUZ, point.x, point.y)
        assert candidate["distance_m"] == pytest.approx(metres, abs=0.5)
    assert (report["verdict"], report["reason"]) == (oracle["verdict"], oracle["reason"])


def _route(feature: dict, needs: dict) -> RouteRequest:
    return RouteRequest(route=shape(feature["geometry"]), corridor_m=30, needs=needs, limit=100)


@pytest.mark.parametrize(
    ("owner_ref", "needs"),
    [(RAILWAY, {"subduct": 1}), (POWER_LINE, {"attachment": 1})],
    ids=["railway-trough", "power-line"],
)
def test_a_route_along_a_real_line_covers_it_as_the_oracle_does(
    session_factory, registry, owner_ref, needs
):
    body = _route(registry[owner_ref], needs)
    report = Matcher(session_factory).match_route(body)
    seq, records = _oracle_records(session_factory)
    oracle = oracle_route(records, body, seq)
    ours = {c["asset_id"]: c for c in report["candidates"]}
    theirs = {c["asset_id"]: c for c in oracle["candidates"]}
    assert set(ours) == set(theirs)
    for asset_id, candidate in ours.items():
        assert candidate["covered_m"] == pytest.approx(theirs[asset_id]["covered_m"], abs=1.0)
        assert candidate["distance_m"] == pytest.approx(theirs[asset_id]["distance_m"], abs=0.5)
    assert report["coverage_m"] == pytest.approx(oracle["coverage_m"], abs=1.0)
    lengths = {r.id: GEOD.geometry_length(r.geometry) for r in records}
    for asset_id, candidate in ours.items():  # linear referencing: never more than itself
        assert candidate["covered_m"] <= lengths[asset_id] + 0.5
    line = next(c for c in report["candidates"] if c["owner_ref"] == owner_ref)
    length = GEOD.geometry_length(shape(registry[owner_ref]["geometry"]))
    assert line["covered_m"] == pytest.approx(length, abs=1.0)  # the line covers all of itself
    assert report["coverage_ratio"] == 1.0 and report["verdict"] == "share"
