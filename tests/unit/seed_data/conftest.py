"""Fixtures for the seed-data tests: the demo city once per session, and a feature checker."""

from __future__ import annotations

import math

import pytest

from seed_data import demo_city

POINT_KINDS = {"tower", "pole", "manhole", "cabinet", "rooftop", "indoor_system"}
LINE_KINDS = {"duct", "aerial_route", "fiber_cable"}
RESOURCES_BY_KIND = {
    "tower": {"antenna_mount"},
    "pole": {"antenna_mount", "attachment"},
    "manhole": set(),
    "cabinet": set(),
    "rooftop": {"antenna_mount"},
    "indoor_system": {"antenna_mount"},
    "duct": {"subduct"},
    "aerial_route": {"attachment"},
    "fiber_cable": {"fiber_core"},
}
NUMBER, TEXT = "number", "text"
ATTRIBUTES = {
    "tower": {
        "height_m": NUMBER,
        "name": TEXT,
        "structure": {"monopole", "lattice", "guyed", "rooftop_mast", "other"},
    },
    "pole": {
        "height_m": NUMBER,
        "material": {"wood", "concrete", "steel", "composite"},
        "use": {"power", "lighting", "telecom", "traffic", "other"},
    },
    "rooftop": {"height_m": NUMBER, "building_name": TEXT},
    "manhole": {"depth_m": NUMBER},
    "cabinet": {"name": TEXT},
    "indoor_system": {"venue": TEXT, "height_m": NUMBER},
    "duct": {
        "diameter_mm": NUMBER,
        "material": {"pvc", "hdpe", "concrete", "steel"},
        "depth_m": NUMBER,
    },
    "aerial_route": {"name": TEXT, "voltage_kv": NUMBER},
    "fiber_cable": {"cable_type": {"duct", "aerial", "buried", "ADSS", "OPGW"}, "name": TEXT},
}
PROPERTY_KEYS = {
    "kind",
    "owner",
    "owner_ref",
    "status",
    "sensitivity",
    "attributes",
    "capacity",
    "allocations",
}


@pytest.fixture(scope="session")
def demo():
    """(orgs, features) of the default demo city, generated once."""
    orgs, features = demo_city.generate()
    return orgs, list(features)


def _plain(value) -> bool:
    """Only JSON-native Python types (no numpy scalars) anywhere in the value."""
    if isinstance(value, dict):
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, float, bool)


def _geometry_problems(kind: str, geom: dict) -> list[str]:
    coords = geom["coordinates"]
    if kind in POINT_KINDS:
        if geom["type"] != "Point" or len(coords) != 2:
            return [f"{kind} needs a Point"]
        coords = [coords]
    elif geom["type"] != "LineString" or len({tuple(c) for c in coords}) < 2:
        return [f"{kind} needs a LineString of two distinct points or more"]
    if not all(math.isfinite(x) and -180 <= x <= 180 and -90 <= y <= 90 for x, y in coords):
        return ["coordinate out of range"]
    return []


# Accepted for every kind (registry.planning.terms, checked there in full): the open
# directory's terms and a planned asset's date.
COMMON_ATTRIBUTES = {"open_terms": dict, "planned_date": str}


def _attribute_problems(kind: str, attrs: dict) -> list[str]:
    out = []
    for name, value in attrs.items():
        if name in COMMON_ATTRIBUTES:
            if not isinstance(value, COMMON_ATTRIBUTES[name]):
                out.append(f"{name}={value!r} is not a {COMMON_ATTRIBUTES[name].__name__}")
            continue
        spec = ATTRIBUTES[kind].get(name)
        if spec is None:
            out.append(f"unknown attribute {name} for {kind}")
        elif spec == NUMBER and (type(value) not in (int, float) or not math.isfinite(value)):
            out.append(f"{name}={value!r} is not a number")
        elif spec == TEXT and not (isinstance(value, str) and value):
            out.append(f"{name}={value!r} is not text")
        elif isinstance(spec, set) and value not in spec:
            out.append(f"{name}={value!r} not in {sorted(spec)}")
    return out


def _capacity_problems(kind: str, capacity: dict, allocations: list, orgs: set) -> list[str]:
    out = []
    for res, spec in capacity.items():
        if res not in RESOURCES_BY_KIND[kind]:
            out.append(f"{kind} cannot offer {res}")
        total = spec["total"]
        if type(total) is not int or not 0 < total <= (6912 if res == "fiber_core" else 64):
            out.append(f"bad total {total!r}")
        if "heights" in spec and (res != "antenna_mount" or len(spec["heights"]) != total):
            out.append("heights must be one per antenna_mount position")
    held: dict[str, list[int]] = {}
    for a in allocations:
        if a["tenant"] not in orgs or a["state"] != "active" or a["resource"] not in capacity:
            out.append(f"bad allocation {a}")
            continue
        if not a["units"] or any(type(u) is not int for u in a["units"]):
            out.append(f"allocation units must be a non-empty list of ints: {a}")
        held.setdefault(a["resource"], []).extend(a["units"])
    for res, units in held.items():
        if len(units) != len(set(units)):
            out.append(f"{res} unit allocated twice")
        if units and not 1 <= min(units) <= max(units) <= capacity[res]["total"]:
            out.append(f"{res} unit outside 1..total")
    return out


def feature_problems(f: dict, orgs: set[str]) -> list[str]:
    """Everything wrong with one feature against the loader contract (empty: valid)."""
    props = f["properties"]
    if f.get("type") != "Feature" or set(props) != PROPERTY_KEYS:
        return ["not a Feature with the contract's properties"]
    kind = props["kind"]
    if kind not in POINT_KINDS | LINE_KINDS:
        return [f"unknown kind {kind}"]
    out = _geometry_problems(kind, f["geometry"])
    out += _attribute_problems(kind, props["attributes"])
    out += _capacity_problems(kind, props["capacity"], props["allocations"], orgs)
    if props["owner"] not in orgs or not isinstance(props["owner_ref"], str):
        out.append("unknown owner or bad owner_ref")
    if props["status"] not in ("planned", "in_service", "decommissioned"):
        out.append(f"bad status {props['status']}")
    if props["status"] != "in_service" and props["allocations"]:
        out.append("allocations on an asset that is not in service")
    if props["sensitivity"] not in ("public", "restricted", "confidential"):
        out.append(f"bad sensitivity {props['sensitivity']}")
    if not _plain(f):
        out.append("non-JSON-native value")
    return out


@pytest.fixture(scope="session")
def check_features():
    """Assert that every feature is valid; returns the features for chaining."""

    def check(features, orgs) -> list[dict]:
        keys = {o.key for o in orgs}
        bad = [
            (f["properties"]["owner_ref"], p) for f in features for p in feature_problems(f, keys)
        ]
        assert not bad, f"{len(bad)} problems, first: {bad[:5]}"
        return features

    return check
