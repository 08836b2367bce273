"""Reading the bundled OpenStreetMap extracts (Data © OpenStreetMap contributors, ODbL 1.0)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OSM_DIR = Path(__file__).resolve().parent / "osm"


def load_features(region: str, name: str) -> list[dict[str, Any]]:
    """The features of `osm/<region>/<name>.geojson`, in file order."""
    with open(OSM_DIR / region / f"{name}.geojson", encoding="utf-8") as fh:
        return json.load(fh)["features"]


def osm_ref(props: dict[str, Any]) -> str:
    """The stable owner reference of an OSM object, e.g. "osm-node-322076039"."""
    return f"osm-{props['osm_type']}-{props['osm_id']}"


def drop_loops(coords: list[list[float]]) -> list[list[float]]:
    """Remove back-tracks and loops: a vertex seen before cuts the path back to it.

    OSM-derived graphs hold a few digitising spikes (A, B, C, C, A); the registry only accepts
    simple LineStrings. A closed way (first vertex == last) stays closed.
    """
    if len(coords) > 3 and coords[0] == coords[-1]:
        return [*drop_loops(coords[:-1]), list(coords[0])]
    out: list[list[float]] = []
    seen: dict[tuple[float, float], int] = {}
    for x, y in coords:
        key = (x, y)
        if key in seen:
            for dropped in out[seen[key] + 1 :]:
                seen.pop((dropped[0], dropped[1]), None)
            del out[seen[key] + 1 :]
            continue
        seen[key] = len(out)
        out.append([x, y])
    return out
