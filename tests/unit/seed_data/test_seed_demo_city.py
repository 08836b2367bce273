"""The Nanning demo city: deterministic, big enough, valid, realistic occupancy."""

from __future__ import annotations

import json
from collections import Counter, defaultdict

import pytest
from pyproj import Geod

from seed_data import demo_city

GEOD = Geod(ellps="WGS84")


def _length_m(f: dict) -> float:
    lon, lat = zip(*f["geometry"]["coordinates"], strict=True)
    return GEOD.line_length(lon, lat)


def _km(features, kind: str) -> float:
    return sum(_length_m(f) for f in features if f["properties"]["kind"] == kind) / 1000


def _used(f: dict, resource: str) -> int:
    return sum(len(a["units"]) for a in f["properties"]["allocations"] if a["resource"] == resource)


def test_same_seed_gives_identical_output(demo):
    orgs, features = demo_city.generate(seed=42)
    assert orgs == demo[0]
    assert json.dumps(list(features)) == json.dumps(demo[1])


def test_another_seed_gives_another_city():
    a = list(demo_city.generate(seed=1, scale=0.05)[1])
    b = list(demo_city.generate(seed=2, scale=0.05)[1])
    assert a != b


def test_organisations(demo):
    orgs, features = demo
    keys = [o.key for o in orgs]
    assert len(keys) == len(set(keys)) and len({o.name for o in orgs}) == len(orgs)
    sectors = Counter(o.sector for o in orgs)
    assert sectors["telecom"] == 3 and sectors["tower_company"] == 1
    assert {"power", "rail", "municipal", "highway"} <= set(sectors)
    assert {f["properties"]["owner"] for f in features} == set(keys)


def test_counts(demo):
    features = demo[1]
    kinds = Counter(f["properties"]["kind"] for f in features)
    points = sum(
        kinds[k] for k in ("tower", "pole", "manhole", "cabinet", "rooftop", "indoor_system")
    )
    assert points >= 2000
    assert 350 <= kinds["tower"] <= 600 and kinds["rooftop"] >= 300
    assert kinds["pole"] >= 1000 and kinds["manhole"] >= 1000 and kinds["cabinet"] >= 100
    assert kinds["indoor_system"] > 0 and kinds["aerial_route"] > 0
    assert _km(features, "duct") >= 300
    assert _km(features, "fiber_cable") >= _km(features, "duct")


def test_every_feature_is_valid(demo, check_features):
    check_features(demo[1], demo[0])


def test_owner_refs_unique_per_owner(demo):
    refs = Counter((f["properties"]["owner"], f["properties"]["owner_ref"]) for f in demo[1])
    assert refs.most_common(1)[0][1] == 1


def test_everything_inside_the_city(demo):
    min_lon, min_lat, max_lon, max_lat = demo_city.city_bbox()
    assert max_lon - min_lon == pytest.approx(0.146, abs=0.01)  # ~15 km at 22.8° N
    for f in demo[1]:
        coords = f["geometry"]["coordinates"]
        for lon, lat in [coords] if f["geometry"]["type"] == "Point" else coords:
            assert min_lon <= lon <= max_lon and min_lat <= lat <= max_lat


def test_lines_are_street_segments(demo):
    lengths = [_length_m(f) for f in demo[1] if f["geometry"]["type"] == "LineString"]
    assert min(lengths) > 10 and max(lengths) < 1500
    assert 100 < sorted(lengths)[len(lengths) // 2] < 600


def test_cables_run_inside_ducts_or_along_pole_routes(demo):
    hosts = {
        json.dumps(f["geometry"])
        for f in demo[1]
        if f["properties"]["kind"] in ("duct", "aerial_route")
    }
    cables = [f for f in demo[1] if f["properties"]["kind"] == "fiber_cable"]
    assert all(json.dumps(f["geometry"]) in hosts for f in cables)
    per_duct = Counter(
        json.dumps(f["geometry"])
        for f in cables
        if f["properties"]["attributes"]["cable_type"] == "duct"
    )
    assert max(per_duct.values()) >= 3
    cores = {f["properties"]["capacity"]["fiber_core"]["total"] for f in cables}
    assert {12, 24, 48, 96, 144} <= cores


def test_capacity_is_partly_exhausted(demo):
    live = [f for f in demo[1] if f["properties"]["status"] == "in_service"]
    towers = [f for f in live if f["properties"]["kind"] == "tower"]
    tight = [
        f
        for f in towers
        if f["properties"]["capacity"]["antenna_mount"]["total"] - _used(f, "antenna_mount") <= 1
    ]
    assert 0.6 <= len(tight) / len(towers) <= 0.85
    cables = [f for f in live if f["properties"]["kind"] == "fiber_cable"]
    nearly_used = [
        f
        for f in cables
        if _used(f, "fiber_core") >= 0.8 * f["properties"]["capacity"]["fiber_core"]["total"]
    ]
    assert 0.15 <= len(nearly_used) / len(cables) <= 0.6
    ducts = [f for f in live if f["properties"]["kind"] == "duct"]
    with_room = [
        f for f in ducts if _used(f, "subduct") < f["properties"]["capacity"]["subduct"]["total"]
    ]
    assert 0.5 <= len(with_room) / len(ducts) < 1.0


def test_status_and_sensitivity_mix(demo):
    by_sector = {o.key: o.sector for o in demo[0]}
    status = Counter(f["properties"]["status"] for f in demo[1])
    assert status["planned"] > 0 and status["decommissioned"] > 0
    assert status["in_service"] > 0.9 * len(demo[1])
    share = defaultdict(Counter)
    for f in demo[1]:
        share[by_sector[f["properties"]["owner"]]][f["properties"]["sensitivity"]] += 1
    for sector in ("power", "rail"):
        assert share[sector]["public"] < share[sector]["restricted"]
        assert share[sector]["confidential"] > 0
    assert share["telecom"]["public"] > 0.9 * sum(share["telecom"].values())


def test_power_towers_host_antennas(demo):
    power = [
        f
        for f in demo[1]
        if f["properties"]["owner"] == "gx_power_grid" and f["properties"]["kind"] == "tower"
    ]
    assert len(power) >= 30
    assert all(f["properties"]["capacity"]["antenna_mount"]["total"] >= 3 for f in power)


def test_scale_shrinks_the_city():
    small = list(demo_city.generate(scale=0.05)[1])
    assert 100 < len(small) < 2000
    min_lon, _, max_lon, _ = demo_city.city_bbox(0.05)
    assert max_lon - min_lon < 0.04
    with pytest.raises(ValueError):
        demo_city.generate(scale=0)
