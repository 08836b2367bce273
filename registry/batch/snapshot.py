"""A GeoParquet snapshot of the registry's point assets, which Dask workers read by tile.

Written without geopandas: the geometry is a WKB column with GeoParquet 1.1 "geo" metadata,
beside plain `lon`/`lat` columns. Rows are written in Sort-Tile-Recursive order at the
grain of a row group (`space_order`), so each row group covers a small box and a tile's
bounding-box filter skips all the others by their statistics. Vocabulary columns are
strings (any GeoParquet reader can use the file); reading maps them back to the engine's
codes in one vectorised pass.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import shapely

from matching import layout, rules
from matching.columns import AssetTable
from matching.ingest import from_columns, ingest
from matching.ragged import Ragged

log = logging.getLogger(__name__)
ROW_GROUP = 16_384  # rows are in STR order: small groups let a tile's filter skip most
_VOCABULARIES = {
    "kind": rules.KINDS,
    "status": rules.STATUSES,
    "sensitivity": rules.SENSITIVITIES,
    "owner_sector": rules.SECTORS,
    "use": rules.USES,
}
_CODE_COLUMN = {"owner_sector": "sector"}


def _strings(ragged: Ragged) -> pa.Array:
    """A Ragged of UTF-8 bytes as an arrow string array, without decoding row by row."""
    packed = ragged.packed()
    return pa.StringArray.from_buffers(
        len(packed),
        pa.py_buffer(packed.offsets.astype(np.int32)),
        pa.py_buffer(np.ascontiguousarray(packed.values)),
    )


def _lists(ragged: Ragged) -> pa.Array:
    packed = ragged.packed()
    return pa.ListArray.from_arrays(
        pa.array(packed.offsets.astype(np.int32)), pa.array(packed.values, pa.float64())
    )


def attribute_arrays(live: AssetTable, owners: dict[int, str]) -> dict[str, pa.Array]:
    """The arrow columns every asset family shares (all but the geometry), of a table
    without tombstones."""
    owner = live.owner.astype(np.int64)
    return {
        "id": pa.array(live.ids),
        **{
            name: pa.array(
                np.array(vocab, dtype=object)[getattr(live, _CODE_COLUMN.get(name, name))],
                pa.string(),
            )
            for name, vocab in _VOCABULARIES.items()
        },
        "owner_id": pa.array(owner),
        "owner_name": pa.array([owners[o] for o in owner.tolist()]).dictionary_encode(),
        "owner_ref": _strings(live.refs),
        "height_m": pa.array(live.height),
        **{f"free_{r}": pa.array(live.free[:, k]) for k, r in enumerate(rules.RESOURCES)},
        "free_heights": _lists(live.heights),
    }


def geo_metadata(kind: str, bbox: list[float], seq: int) -> dict[bytes, bytes]:
    """GeoParquet 1.1 metadata of a WKB `geometry` column, and the registry seq."""
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": [kind], "bbox": bbox}},
    }
    return {b"geo": json.dumps(geo).encode(), b"infrashare_seq": str(seq).encode()}


def table_to_arrow(points: AssetTable, owners: dict[int, str], seq: int) -> pa.Table:
    """The live rows of a point table as an arrow table with GeoParquet metadata."""
    live = AssetTable.concat([points])  # drops tombstones, packs ragged rows in slot order
    columns = {
        **attribute_arrays(live, owners),
        "lon": pa.array(live.lon),
        "lat": pa.array(live.lat),
        "geometry": pa.array(shapely.to_wkb(shapely.points(live.lon, live.lat)), pa.binary()),
    }
    bbox = (
        [float(live.lon.min()), float(live.lat.min()), float(live.lon.max()), float(live.lat.max())]
        if len(live)
        else []
    )
    return pa.table(columns).replace_schema_metadata(geo_metadata("Point", bbox, seq))


def space_order(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Row order for the file: Sort-Tile-Recursive with ROW_GROUP rows per leaf, so that
    each row group is a compact box. In any other order (the generator's, or the index's
    16-point buckets, whose lon slices span the whole country) every row group's lon/lat
    statistics cover nearly everything and a tile's read decodes the whole file."""
    return layout.str_order(lon, lat, bucket=ROW_GROUP)


def write_sorted(table: pa.Table, path, x: np.ndarray, y: np.ndarray) -> None:
    """Write `table` to `path` in `space_order` of the rows' (x, y), zstd, ROW_GROUP rows a
    group. Which order the rows are in changes no answer: the index sorts them again and
    ranks ties by asset id."""
    if len(table):
        table = table.take(pa.array(space_order(x, y)))
    pq.write_table(table, path, row_group_size=ROW_GROUP, compression="zstd")


def write_snapshot(path, points: AssetTable, owners: dict[int, str], seq: int) -> int:
    """Write the point assets to `path` (GeoParquet); returns the number of rows."""
    table = table_to_arrow(points, owners, seq)
    write_sorted(table, path, table["lon"].to_numpy(), table["lat"].to_numpy())
    log.info("snapshot of %d point assets at seq %d written to %s", len(table), seq, path)
    return len(table)


def snapshot_seq(path) -> int:
    return int(pq.read_schema(path).metadata[b"infrashare_seq"])


def _codes(name: str, column: pa.ChunkedArray, vocab) -> np.ndarray:
    """Vocabulary codes of a string column (null: the vocabulary's None, pole use "none")."""
    words = ["" if v is None else str(v) for v in vocab]
    codes = pc.index_in(pc.fill_null(column.cast(pa.string()), ""), value_set=pa.array(words))
    if codes.null_count:
        raise ValueError(f"snapshot column {name!r} holds values outside {words}")
    return codes.to_numpy(zero_copy_only=False).astype(np.int8)


def _ragged_strings(column: pa.ChunkedArray) -> Ragged:
    array = column.combine_chunks().cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = (
        np.frombuffer(array.buffers()[2], dtype=np.uint8)
        if array.buffers()[2]
        else np.empty(0, np.uint8)
    )
    return Ragged(offsets - offsets[0], data[offsets[0] : offsets[-1]].copy())


def _ragged_floats(column: pa.ChunkedArray) -> Ragged:
    array = column.combine_chunks().cast(pa.large_list(pa.float64()))
    offsets = array.offsets.to_numpy()
    values = array.values.to_numpy(zero_copy_only=False)
    return Ragged(offsets - offsets[0], values[offsets[0] : offsets[-1]].copy())


def attribute_columns(table: pa.Table) -> tuple[dict, dict[int, str]]:
    """`attribute_arrays` read back as engine columns (`ingest.from_columns`), and the
    owner names by id."""
    free = np.zeros((len(table), len(rules.RESOURCES)), dtype=np.int32)
    for k, resource in enumerate(rules.RESOURCES):
        free[:, k] = table[f"free_{resource}"].to_numpy()
    columns = {
        "ids": table["id"].to_numpy().astype(np.int64),
        **{
            _CODE_COLUMN.get(name, name): _codes(name, table[name], vocab)
            for name, vocab in _VOCABULARIES.items()
        },
        "owner": table["owner_id"].to_numpy().astype(np.int64),
        "height": table["height_m"].to_numpy(zero_copy_only=False).astype(np.float64),
        "free": free,
        "heights": _ragged_floats(table["free_heights"]),
        "refs": _ragged_strings(table["owner_ref"]),
    }
    owner_names = table["owner_name"].combine_chunks()
    if isinstance(owner_names.type, pa.DictionaryType):
        owner_names = owner_names.cast(pa.string())
    return columns, _owners(columns["owner"], owner_names)


def read_points(path, boxes: np.ndarray | None = None) -> tuple[AssetTable, dict[int, str], int]:
    """(point table, owner names, seq) of the snapshot rows inside any of `boxes`
    (rows of minx, miny, maxx, maxy; None: every row)."""
    filters = None
    if boxes is not None:
        filters = [
            [("lon", ">=", x0), ("lon", "<=", x1), ("lat", ">=", y0), ("lat", "<=", y1)]
            for x0, y0, x1, y1 in np.asarray(boxes, dtype=float).tolist()
        ]
    table = pq.read_table(path, filters=filters)
    columns, owners = attribute_columns(table)
    columns["lon"] = table["lon"].to_numpy().astype(np.float64)
    columns["lat"] = table["lat"].to_numpy().astype(np.float64)
    points = from_columns(columns, line=False) if len(table) else ingest((), {}, line=False)
    return points, owners, snapshot_seq(path)


def _owners(owner: np.ndarray, names: pa.Array) -> dict[int, str]:
    """Owner names by id, from the first row of each owner (no per-row Python)."""
    unique, first = np.unique(owner, return_index=True)
    return dict(zip(unique.tolist(), names.take(pa.array(first)).to_pylist(), strict=True))


def snapshot_index(index, path) -> int:
    """Write an `AssetIndex`'s live point assets (base and delta) at its current seq."""

    def read(gen):
        return AssetTable.concat([gen.points, gen.delta_points]), dict(gen.owners)

    seq, (points, owners) = index.read_generation(read)
    return write_snapshot(path, points, owners, seq)
