"""The loader contract: organisation specs and GeoJSON-like asset feature dicts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SECTORS = ("telecom", "tower_company", "power", "rail", "highway", "municipal", "other")
POINT_KINDS = ("tower", "pole", "manhole", "cabinet", "rooftop", "indoor_system")
LINE_KINDS = ("duct", "aerial_route", "fiber_cable")
KINDS = POINT_KINDS + LINE_KINDS
STATUSES = ("planned", "in_service", "decommissioned")
SENSITIVITIES = ("public", "restricted", "confidential")
RESOURCES = ("antenna_mount", "attachment", "subduct", "fiber_core")

# Short codes used inside generated owner references, e.g. "CTG-TWR-000123".
KIND_CODES = {
    "tower": "TWR",
    "pole": "POL",
    "manhole": "MH",
    "cabinet": "CAB",
    "rooftop": "RFT",
    "indoor_system": "IDS",
    "duct": "DCT",
    "aerial_route": "AER",
    "fiber_cable": "FBR",
}

Feature = dict[str, Any]


@dataclass(frozen=True)
class OrgSpec:
    """An organisation to create before loading features; `key` is what features refer to."""

    key: str
    name: str
    sector: str
    contact: str


def allocation(tenant: str, resource: str, units: Iterable[int]) -> dict[str, Any]:
    """One active allocation of numbered units."""
    return {
        "tenant": tenant,
        "resource": resource,
        "units": [int(u) for u in units],
        "state": "active",
    }


def feature(
    geometry: Mapping[str, Any],
    kind: str,
    owner: str,
    owner_ref: str,
    *,
    attributes: Mapping[str, Any] | None = None,
    capacity: Mapping[str, Any] | None = None,
    allocations: Sequence[Mapping[str, Any]] = (),
    status: str = "in_service",
    sensitivity: str = "public",
) -> Feature:
    """Build one asset feature dict in the shape the API's import accepts."""
    return {
        "type": "Feature",
        "geometry": dict(geometry),
        "properties": {
            "kind": kind,
            "owner": owner,
            "owner_ref": owner_ref,
            "status": status,
            "sensitivity": sensitivity,
            "attributes": dict(attributes or {}),
            "capacity": dict(capacity or {}),
            "allocations": [dict(a) for a in allocations],
        },
    }


def point(lon: float, lat: float) -> dict[str, Any]:
    """A GeoJSON Point geometry with plain Python floats."""
    return {"type": "Point", "coordinates": [float(lon), float(lat)]}


def linestring(coords: Iterable[Sequence[float]]) -> dict[str, Any]:
    """A GeoJSON LineString geometry with plain Python floats."""
    return {"type": "LineString", "coordinates": [[float(x), float(y)] for x, y in coords]}
