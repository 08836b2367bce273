"""GeoJSON views of registry objects, as the API and the exporters emit them."""

from __future__ import annotations

from registry.db.geometry import to_geojson
from registry.inventory.capacity import CapacityView
from registry.inventory.models import Asset


def asset_feature(
    asset: Asset, capacity: list[CapacityView], distance_m=None, *, geojson: dict | None = None
) -> dict:
    """An asset as an RFC 7946 Feature: flat properties, capacity with total/allocated/free.

    `geojson` is to_geojson(asset.geom) when the caller made a page's at once."""
    props = {
        "kind": asset.kind,
        "owner_id": asset.owner_id,
        "owner_name": asset.owner.name,
        "owner_sector": asset.owner.sector,
        "owner_ref": asset.owner_ref,
        "status": asset.status,
        "sensitivity": asset.sensitivity,
        **(asset.attributes or {}),
        "capacity": {c.resource: c.as_json() for c in capacity},
        "created_at": asset.created_at.isoformat(),
        "updated_at": asset.updated_at.isoformat(),
    }
    if distance_m is not None:
        props["distance_m"] = round(float(distance_m), 2)
    return {
        "type": "Feature",
        "id": asset.id,
        "geometry": to_geojson(asset.geom) if geojson is None else geojson,
        "properties": props,
    }
