"""The OpenStreetMap converters: Liechtenstein and the Guangxi power-line graph."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from seed_data import guangxi, liechtenstein

OSM = Path(liechtenstein.__file__).resolve().parent / "osm"


@pytest.fixture(scope="module")
def li():
    return liechtenstein.generate()


@pytest.fixture(scope="module")
def gx():
    return guangxi.generate()


def _by(features, *owners_or_kinds):
    return [
        f
        for f in features
        if {f["properties"]["kind"], f["properties"]["owner"]} & set(owners_or_kinds)
    ]


def test_data_and_attribution_are_bundled():
    assert len(list((OSM / "liechtenstein").glob("*.geojson"))) == 8
    assert len(list((OSM / "guangxi").glob("*.geojson"))) == 4
    notice = (OSM / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "© OpenStreetMap contributors" in notice and "ODbL 1.0" in notice


def test_liechtenstein_counts(li):
    features = li[1]
    kinds = Counter((f["properties"]["kind"], f["properties"]["owner"]) for f in features)
    power_towers = kinds["tower", liechtenstein.LKW] + kinds["tower", liechtenstein.SWISSGRID]
    assert power_towers == 174
    assert kinds["pole", liechtenstein.LKW] == 16
    masts = [
        f
        for f in features
        if f["properties"]["kind"] in ("tower", "rooftop")
        and f["properties"]["owner"] not in (liechtenstein.LKW, liechtenstein.SWISSGRID)
    ]
    assert len(masts) == 28
    assert sum(f["properties"]["kind"] == "rooftop" for f in masts) == 16
    assert len(_by(features, "aerial_route")) == 13
    rail = _by(features, "duct")
    assert len(rail) == 34
    assert {f["properties"]["owner"] for f in rail} == {liechtenstein.OEBB}
    assert {f["properties"]["sensitivity"] for f in rail} == {"restricted"}


def test_liechtenstein_swissgrid_line(li):
    lines = [f for f in li[1] if f["properties"]["owner"] == liechtenstein.SWISSGRID]
    assert Counter(f["properties"]["kind"] for f in lines) == {"tower": 120, "aerial_route": 1}
    route = next(f for f in lines if f["properties"]["kind"] == "aerial_route")
    assert route["properties"]["attributes"]["voltage_kv"] == 220.0


def test_liechtenstein_is_valid_and_stable(li, check_features):
    orgs, features = li
    check_features(features, orgs)
    assert json.dumps(liechtenstein.generate()[1]) == json.dumps(features)
    refs = [(f["properties"]["owner"], f["properties"]["owner_ref"]) for f in features]
    assert len(refs) == len(set(refs))
    assert all(ref.startswith(("osm-node-", "osm-way-")) for _, ref in refs)
    towers = [f for f in features if f["properties"]["kind"] == "tower"]
    assert all("height_m" not in f["properties"]["attributes"] for f in towers)
    assert all(f["properties"]["capacity"]["antenna_mount"]["total"] >= 1 for f in towers)


def test_guangxi_counts(gx):
    orgs, features = gx
    assert [o.key for o in orgs] == ["gx_power_grid"]
    kinds = Counter(f["properties"]["kind"] for f in features)
    assert kinds == {"aerial_route": 3545, "tower": 2499}


def test_guangxi_is_valid_and_stable(gx, check_features):
    orgs, features = gx
    check_features(features, orgs)
    refs = [f["properties"]["owner_ref"] for f in features]
    assert len(refs) == len(set(refs))
    assert guangxi.generate()[1][::500] == features[::500]


def test_guangxi_voltages(gx):
    volts = Counter(
        f["properties"]["attributes"].get("voltage_kv")
        for f in gx[1]
        if f["properties"]["kind"] == "aerial_route"
    )
    assert volts[500.0] > 0 and volts[220.0] > 0 and volts[110.0] > 0


@pytest.mark.parametrize(
    ("name", "kv"),
    [
        ("500kV黎平-桂林", 500.0),
        ("220kV 桂林-凯歌 乙线", 220.0),
        ("35 KV line", 35.0),
        ("金中直流", None),
        (None, None),
    ],
)
def test_parse_voltage(name, kv):
    assert guangxi.parse_voltage_kv(name) == kv
