"""The registry's line assets (ducts, cables, pole routes) as a GeoParquet file beside the
point snapshot, which the workers of a route audit read by tile.

The same attribute columns as the points (`snapshot.attribute_arrays`), the vertices as a
flat lon, lat list, a WKB LineString, and each line's box (`xmin` .. `ymax`) so that a
tile's filter is four comparisons on row-group statistics. The box is the index's (grown by
how far a segment can bow), so a tile reads every line the single-process index could find; a
line across the antimeridian gets the whole longitude range: a few extra rows, none missed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from matching import geo
from matching.columns import AssetTable
from matching.ingest import from_columns, ingest
from matching.ragged import Ragged
from registry.batch.snapshot import (
    ROW_GROUP,
    attribute_arrays,
    attribute_columns,
    geo_metadata,
    snapshot_seq,
)

log = logging.getLogger(__name__)


def lines_path(path) -> Path:
    """Where the line snapshot of the point snapshot `path` lives (registry.lines.parquet)."""
    path = Path(path)
    return path.with_name(f"{path.stem}.lines{path.suffix}")


def _boxes(coords: Ragged) -> np.ndarray:
    """Each line's index box (`geo.line_boxes`: grown by how far a long segment can bow in a
    metric frame), one per line: across the antimeridian, all longitudes."""
    boxes, row = geo.line_boxes(coords.values, coords.offsets)
    out = np.full((len(coords.offsets) - 1, 4), np.inf)
    out[:, 2:] = -np.inf
    for k in (0, 1):
        np.minimum.at(out[:, k], row, boxes[:, k])
        np.maximum.at(out[:, k + 2], row, boxes[:, k + 2])
    return out


def write_lines(path, lines: AssetTable, owners: dict[int, str], seq: int) -> int:
    """Write the live line assets beside the point snapshot `path`; returns the row count."""
    live = AssetTable.concat([lines])  # drops tombstones, packs the vertices in slot order
    coords = live.coords.packed() if len(live) else Ragged(np.zeros(1, np.int64), np.zeros((0, 2)))
    box = _boxes(coords)
    vertex_row = np.repeat(np.arange(len(live)), np.diff(coords.offsets))
    geometry = shapely.linestrings(coords.values, indices=vertex_row) if len(live) else []
    columns = {
        **attribute_arrays(live, owners),
        "coords": pa.ListArray.from_arrays(
            pa.array((coords.offsets * 2).astype(np.int32)), pa.array(coords.values.ravel())
        ),
        **{name: pa.array(box[:, k]) for k, name in enumerate(("xmin", "ymin", "xmax", "ymax"))},
        "geometry": pa.array(shapely.to_wkb(np.asarray(geometry)), pa.binary()),
    }
    bbox = [*box[:, :2].min(axis=0).tolist(), *box[:, 2:].max(axis=0).tolist()] if len(box) else []
    table = pa.table(columns).replace_schema_metadata(geo_metadata("LineString", bbox, seq))
    pq.write_table(table, lines_path(path), row_group_size=ROW_GROUP, compression="zstd")
    log.info("snapshot of %d line assets at seq %d written beside %s", len(table), seq, path)
    return len(table)


def read_lines(path, boxes: np.ndarray | None = None) -> tuple[AssetTable, dict[int, str], int]:
    """(line table, owner names, seq) of the lines whose box meets any of `boxes` (rows of
    minx, miny, maxx, maxy; None: every line), from the file beside the snapshot `path`."""
    filters = None
    if boxes is not None:
        filters = [
            [("xmin", "<=", x1), ("xmax", ">=", x0), ("ymin", "<=", y1), ("ymax", ">=", y0)]
            for x0, y0, x1, y1 in np.asarray(boxes, dtype=float).tolist()
        ]
    source = lines_path(path)
    table = pq.read_table(source, filters=filters)
    columns, owners = attribute_columns(table)
    flat = table["coords"].combine_chunks()
    offsets = flat.offsets.to_numpy()
    values = flat.values.to_numpy(zero_copy_only=False)[offsets[0] : offsets[-1]]
    columns["coords"] = Ragged((offsets - offsets[0]) // 2, values.reshape(-1, 2).copy())
    lines = from_columns(columns, line=True) if len(table) else ingest((), {}, line=True)
    return lines, owners, snapshot_seq(source)


def snapshot_index_lines(index, path) -> int:
    """Write an `AssetIndex`'s live line assets (base and delta) beside the snapshot `path`,
    at the index's current seq."""

    def read(gen):
        return AssetTable.concat([gen.lines, gen.delta_lines]), dict(gen.owners)

    seq, (lines, owners) = index.read_generation(read)
    return write_lines(path, lines, owners, seq)
