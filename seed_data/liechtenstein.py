"""Converts the bundled Liechtenstein extract (© OpenStreetMap contributors, ODbL) to assets."""

from __future__ import annotations

from typing import Any

from seed_data._osm import OSM_DIR, drop_loops, load_features, osm_ref
from seed_data.capacity import mounts
from seed_data.spec import Feature, OrgSpec, feature

REGION = "liechtenstein"
LKW = "li_lkw"
SWISSGRID = "ch_swissgrid"
TELECOM_LI = "li_telecom"
OEBB = "at_oebb_infra"
AMATEUR = "li_amateur_radio"

ORGS: tuple[OrgSpec, ...] = (
    OrgSpec(LKW, "Liechtensteinische Kraftwerke", "power", "netz@lkw.example.li"),
    OrgSpec(SWISSGRID, "Swissgrid", "power", "grid-sharing@swissgrid.example.ch"),
    OrgSpec(TELECOM_LI, "Telecom Liechtenstein", "telecom", "sites@telecom.example.li"),
    OrgSpec(OEBB, "ÖBB-Infrastruktur AG", "rail", "telematik@oebb.example.at"),
    OrgSpec(AMATEUR, "Amateurfunk Verein Liechtenstein", "other", "hb0fl@amateurfunk.example.li"),
)
# Heights are not in the extract: attributes omit height_m rather than invent one.
TOWER_MOUNTS = 3
POLE_ATTACHMENTS = 4
LINE_ATTACHMENTS = 2
RAIL_TROUGH_SUBDUCTS = 4


# Rail lines and major (primary and secondary) roads: barriers the planner prices new trench
# across, not assets (`flask --app api barriers import`; `seed liechtenstein` loads them).
BARRIER_FILES = {
    "rail": OSM_DIR / "liechtenstein" / "railways.geojson",
    "major_road": OSM_DIR / "liechtenstein" / "major_roads.geojson",
}


def generate() -> tuple[list[OrgSpec], list[Feature]]:
    """Organisations and asset features of the Liechtenstein extract, in a fixed order."""
    line_owner = _line_owners()
    features = [_power_tower(f, line_owner) for f in load_features(REGION, "power_towers")]
    features += [_power_pole(f) for f in load_features(REGION, "power_poles")]
    features += [_mast(f) for f in load_features(REGION, "telecom_masts")]
    features += [_power_line(f) for f in load_features(REGION, "power_lines")]
    features += [_railway(f) for f in load_features(REGION, "railways")]
    return list(ORGS), features


def _line_owners() -> dict[int, str]:
    """Owner of each node on a power line: Swissgrid for its 220 kV line, else LKW."""
    owners: dict[int, str] = {}
    for f in load_features(REGION, "power_lines"):
        owner = _power_owner(f["properties"])
        for node in f["properties"].get("node_refs", []):
            if owners.get(node) != SWISSGRID:
                owners[node] = owner
    return owners


def _power_owner(props: dict[str, Any]) -> str:
    return SWISSGRID if props.get("operator") == "Swissgrid" else LKW


def _height(props: dict[str, Any]) -> dict[str, float]:
    try:
        return {"height_m": float(str(props["height"]).removesuffix("m").strip())}
    except (KeyError, ValueError):
        return {}


def _power_tower(f: dict[str, Any], line_owner: dict[int, str]) -> Feature:
    props = f["properties"]
    return feature(
        f["geometry"],
        "tower",
        line_owner.get(props["osm_id"], LKW),
        osm_ref(props),
        attributes={"structure": "lattice", **_height(props)},
        capacity={"antenna_mount": mounts(TOWER_MOUNTS)},
    )


def _power_pole(f: dict[str, Any]) -> Feature:
    props = f["properties"]
    return feature(
        f["geometry"],
        "pole",
        LKW,
        osm_ref(props),
        attributes={"use": "power", **_height(props)},
        capacity={"attachment": {"total": POLE_ATTACHMENTS}},
    )


def _mast(f: dict[str, Any]) -> Feature:
    props = f["properties"]
    owner = TELECOM_LI
    if props.get("railway") == "radio":
        owner = OEBB
    elif props.get("club") == "amateur_radio":
        owner = AMATEUR
    capacity = {"antenna_mount": mounts(TOWER_MOUNTS)}
    if props.get("location") == "roof":
        return feature(
            f["geometry"],
            "rooftop",
            owner,
            osm_ref(props),
            attributes=_height(props),
            capacity=capacity,
        )
    attributes: dict[str, Any] = {"structure": "monopole", **_height(props)}
    if props.get("name"):
        attributes["name"] = props["name"]
    return feature(
        f["geometry"], "tower", owner, osm_ref(props), attributes=attributes, capacity=capacity
    )


def _line(f: dict[str, Any]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": drop_loops(f["geometry"]["coordinates"])}


def _power_line(f: dict[str, Any]) -> Feature:
    props = f["properties"]
    attributes: dict[str, Any] = {}
    if str(props.get("voltage", "")).isdigit():
        attributes["voltage_kv"] = int(props["voltage"]) / 1000
    if props.get("name"):
        attributes["name"] = props["name"]
    return feature(
        _line(f),
        "aerial_route",
        _power_owner(props),
        osm_ref(props),
        attributes=attributes,
        capacity={"attachment": {"total": LINE_ATTACHMENTS}},
    )


def _railway(f: dict[str, Any]) -> Feature:
    """A railway way becomes the cable trough running beside the track."""
    props = f["properties"]
    return feature(
        _line(f),
        "duct",
        OEBB,
        osm_ref(props),
        sensitivity="restricted",
        attributes={"diameter_mm": 300.0, "material": "concrete", "depth_m": 0.3},
        capacity={"subduct": {"total": RAIL_TROUGH_SUBDUCTS}},
    )
