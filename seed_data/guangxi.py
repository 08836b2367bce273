"""Converts the bundled Guangxi power-line graph (© OpenStreetMap contributors, ODbL) to assets."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from seed_data._osm import drop_loops, load_features
from seed_data.capacity import mounts
from seed_data.orgs import GUANGXI_POWER_GRID, POWER_GRID
from seed_data.spec import Feature, OrgSpec, feature

REGION = "guangxi"
TOWER_MOUNTS = 3
LINE_ATTACHMENTS = 2
_VOLTAGE = re.compile(r"(\d+(?:\.\d+)?)\s*kV", re.IGNORECASE)


def generate() -> tuple[list[OrgSpec], list[Feature]]:
    """Guangxi Power Grid, its line junctions as towers and its unique edges as aerial routes."""
    towers = [_tower(f) for f in load_features(REGION, "guangxi_power_nodes")]
    return [GUANGXI_POWER_GRID], towers + list(_routes())


def parse_voltage_kv(name: str | None) -> float | None:
    """The voltage in a line name such as "500kV黎平-桂林", or None."""
    match = _VOLTAGE.search(name or "")
    return float(match.group(1)) if match else None


def _tower(f: dict[str, Any]) -> Feature:
    ref = f"osm-node-{f['properties']['osm_node_id']}"
    return feature(
        f["geometry"],
        "tower",
        POWER_GRID,
        ref,
        attributes={"structure": "lattice"},
        capacity={"antenna_mount": mounts(TOWER_MOUNTS)},
    )


def _routes():
    """Edges without their reverse duplicates; parallel edges are told apart by a key."""
    seen: Counter[tuple[str, str]] = Counter()
    for f in load_features(REGION, "guangxi_power_edges"):
        props = f["properties"]
        if props.get("reverse_duplicate"):
            continue
        pair = (props["u"], props["v"])
        ref = f"osm-edge-{pair[0]}-{pair[1]}-{seen[pair]}"
        seen[pair] += 1
        attributes: dict[str, Any] = {}
        if props.get("name"):
            attributes["name"] = props["name"]
            kv = parse_voltage_kv(props["name"])
            if kv is not None:
                attributes["voltage_kv"] = kv
        geometry = {"type": "LineString", "coordinates": drop_loops(f["geometry"]["coordinates"])}
        yield feature(
            geometry,
            "aerial_route",
            POWER_GRID,
            ref,
            attributes=attributes,
            capacity={"attachment": {"total": LINE_ATTACHMENTS}},
        )
