"""Reading the bundled OpenStreetMap extracts (Data © OpenStreetMap contributors, ODbL 1.0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.interop.importers.repair import drop_loops  # noqa: F401 (one implementation)

OSM_DIR = Path(__file__).resolve().parent / "osm"


def load_features(region: str, name: str) -> list[dict[str, Any]]:
    """The features of `osm/<region>/<name>.geojson`, in file order."""
    with open(OSM_DIR / region / f"{name}.geojson", encoding="utf-8") as fh:
        return json.load(fh)["features"]


def osm_ref(props: dict[str, Any]) -> str:
    """The stable owner reference of an OSM object, e.g. "osm-node-322076039"."""
    return f"osm-{props['osm_type']}-{props['osm_id']}"
