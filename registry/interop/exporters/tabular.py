"""Flat rows of Features (one column per property) and CSV text chunks with a WKT column.

The column set is fixed by the vocabulary, so a stream can write its header first. An
import reads these columns back by their names (registry.interop.importers.mapping, no mapping
file needed): `capacity.<resource>.total` and `.heights`; `.free` is ignored.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

import shapely

from registry.inventory.vocabulary import ATTRIBUTES_BY_KIND, Resource

ATTRIBUTES = sorted({name for specs in ATTRIBUTES_BY_KIND.values() for name in specs})
NUMERIC = {n for specs in ATTRIBUTES_BY_KIND.values() for n, s in specs.items() if s.type is float}
BASE = ["id", "kind", "owner_id", "owner_name", "owner_ref", "status", "sensitivity", "masked"]
CAPACITY = [
    f"capacity.{r.value}.{key}"
    for r in Resource
    for key in ("total", "free", *(["heights"] if r == Resource.ANTENNA_MOUNT else []))
]
COLUMNS = [*BASE, *ATTRIBUTES, *CAPACITY, "created_at", "updated_at"]
CSV_CHUNK = 1000


def flat_row(feature: dict) -> list:
    """The Feature's values in COLUMNS order (None where it has none)."""
    props = feature["properties"]
    values = {"id": feature.get("id"), **props}
    for resource, spec in (props.get("capacity") or {}).items():
        for key in ("total", "free"):
            values[f"capacity.{resource}.{key}"] = spec.get(key)
        if spec.get("heights") is not None:
            values[f"capacity.{resource}.heights"] = json.dumps(spec["heights"])
    return [values.get(column) for column in COLUMNS]


def _coords(coords) -> str:
    return ", ".join(f"{x!r} {y!r}" for x, y, *_ in coords)


def wkt(geometry: dict) -> str:
    """WKT with every float at full precision (repr), so a re-import gives the same numbers."""
    kind, coords = geometry["type"], geometry.get("coordinates")
    if kind == "Point":
        return f"POINT ({_coords([coords])})"
    if kind == "LineString":
        return f"LINESTRING ({_coords(coords)})"
    return shapely.to_wkt(shapely.geometry.shape(geometry), rounding_precision=-1)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value) if not isinstance(value, float) else repr(value)


def csv_chunks(features: Iterable[dict]) -> Iterator[str]:
    """CSV text: a header (wkt, then COLUMNS), then rows, CSV_CHUNK rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["wkt", *COLUMNS])
    for rows, feature in enumerate(features, start=1):
        writer.writerow([wkt(feature["geometry"]), *map(_cell, flat_row(feature))])
        if rows % CSV_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
