"""A GeoPackage of Features (one layer, EPSG:4326), written in chunks with pyogrio."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw

from registry.interop.exporters.tabular import COLUMNS, NUMERIC, flat_row
from registry.interop.importers.sources import configure_gdal

log = logging.getLogger(__name__)

LAYER = "assets"
CHUNK = 5000
INTEGER = {"id", "owner_id", *(c for c in COLUMNS if c.endswith((".total", ".free")))}
FLOAT = NUMERIC


def _column(values: list, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """(data, null mask) of one column in the type its field gets."""
    if name in INTEGER:
        mask = np.array([v is None for v in values], dtype=bool)
        return np.array([0 if v is None else v for v in values], dtype=np.int64), mask
    if name in FLOAT:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64), None
    if name == "masked":
        return np.array([bool(v) for v in values], dtype=bool), None
    return np.array([None if v is None else str(v) for v in values], dtype=object), None


def _write_chunk(path: Path, features: list[dict], append: bool) -> None:
    rows = [flat_row(f) for f in features]
    columns = [_column([row[i] for row in rows], name) for i, name in enumerate(COLUMNS)]
    geometries = shapely.to_wkb([shapely.geometry.shape(f["geometry"]) for f in features])
    raw.write(
        str(path),
        geometries,
        [data for data, _ in columns],
        COLUMNS,
        field_mask=[mask for _, mask in columns],
        layer=LAYER,
        driver="GPKG",
        geometry_type="Unknown",
        crs="EPSG:4326",
        append=append,
    )


def write_gpkg(features: Iterable[dict], path: str | Path) -> int:
    """Write every Feature to `path` (layer "assets"); returns how many. Memory stays flat."""
    configure_gdal()
    path, iterator, written = Path(path), iter(features), 0
    while chunk := list(islice(iterator, CHUNK)):
        _write_chunk(path, chunk, append=written > 0)
        written += len(chunk)
    if written == 0:
        raw.write(
            str(path),
            np.array([], dtype=object),
            [np.array([], dtype=object)],
            ["id"],
            layer=LAYER,
            driver="GPKG",
            geometry_type="Unknown",
            crs="EPSG:4326",
        )
    log.info("wrote %d features to %s", written, path)
    return written
