"""Turning AssetRecords into table columns: one C-level pass per field, no per-record loop.

1 M point records ingest in about a second; the old per-record loop took four.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from itertools import chain
from operator import attrgetter

import numpy as np
import shapely

from matching import geo, rules
from matching.candidates import (
    KIND_CODE,
    RESOURCE_CODE,
    SECTOR_CODE,
    SENSITIVITY_CODE,
    STATUS_CODE,
    USE_CODE,
    profile_codes,
)
from matching.columns import AssetTable
from matching.ragged import Ragged
from matching.records import AssetRecord

log = logging.getLogger(__name__)

_CODED = (
    ("kind", "kind", KIND_CODE),
    ("status", "status", STATUS_CODE),
    ("sensitivity", "sensitivity", SENSITIVITY_CODE),
    ("sector", "owner_sector", SECTOR_CODE),
    ("use", "use", USE_CODE),
)
_IN_FAMILY = {
    line: np.array(
        [kind in (rules.LINE_KINDS if line else rules.POINT_KINDS) for kind in rules.KINDS]
    )
    for line in (False, True)
}
_ANTENNA = rules.Resource.ANTENNA_MOUNT


def _field(records: list[AssetRecord], name: str) -> list:
    return list(map(attrgetter(name), records))


def _codes(values: list, table: dict) -> np.ndarray | None:
    """int8 codes of vocabulary values, or None when some value is outside the vocabulary."""
    try:
        return np.fromiter(map(table.__getitem__, values), dtype=np.int8, count=len(values))
    except KeyError:
        return None


def _geometry_ok(geoms: np.ndarray, line: bool) -> np.ndarray:
    """Points with one finite vertex; lines with two or more finite vertices."""
    if not len(geoms):
        return np.ones(0, dtype=bool)
    type_ok = shapely.get_type_id(geoms) == (1 if line else 0)
    count = shapely.get_num_coordinates(geoms)
    count_ok = count >= 2 if line else count == 1
    return type_ok & count_ok & np.isfinite(shapely.bounds(geoms)).all(axis=1)


def _usable(records: list[AssetRecord], geometry_ok: np.ndarray, line: bool) -> list[AssetRecord]:
    """The slow path: drop records the engine cannot use, logging why (the registry validates)."""
    family = rules.LINE_KINDS if line else rules.POINT_KINDS
    good = []
    for record, geometry in zip(records, geometry_ok.tolist(), strict=True):
        known = all(getattr(record, attr) in table for _, attr, table in _CODED)
        if known and record.kind in family and geometry:
            good.append(record)
        else:
            log.error(
                "asset %s skipped: unknown vocabulary, wrong family or bad geometry", record.id
            )
    return good


def _capacities(caps: list) -> tuple[np.ndarray, Ragged]:
    """Free units per resource, and the free antenna mount heights, of many records.

    One comprehension per resource (C-speed dict lookups) beats one pass over all the
    (resource, Capacity) pairs with Python-level unpacking: 0.3 s against 1.1 s per million.
    """
    n = len(caps)
    free = np.zeros((n, len(rules.RESOURCES)), dtype=np.int32)
    heights = Ragged.from_lengths(np.zeros(n, dtype=np.int64), np.empty(0))
    for resource, code in RESOURCE_CODE.items():
        found = [cap.get(resource) for cap in caps]
        if not any(found):
            continue
        units = (0 if c is None else c.free for c in found)
        free[:, code] = np.fromiter(units, dtype=np.int32, count=n)
        if resource == _ANTENNA:
            listed = [() if c is None else c.free_heights for c in found]
            lengths = np.fromiter(map(len, listed), dtype=np.int64, count=n)
            flat = np.fromiter(chain.from_iterable(listed), dtype=np.float64, count=lengths.sum())
            heights = Ragged.from_lengths(lengths, flat)
    return free, heights


def top_mounts(heights: Ragged, free: np.ndarray, height: np.ndarray) -> np.ndarray:
    """Highest usable free antenna mount per asset, nan if none: a column, so that ranking
    without a height condition never unpacks the free heights.

    A mount of unknown height counts at the asset's height; an asset that lists no heights
    has all its free mounts there (the same rules as `site_rows.height_columns`).
    """
    lengths = np.diff(heights.offsets)
    row = np.repeat(np.arange(len(free)), lengths)
    flat = np.where(np.isnan(heights.values), height[row], heights.values)
    top = np.where(free > 0, height, np.nan)
    listed = np.flatnonzero(lengths > 0)
    if len(listed):
        top[listed] = np.fmax.reduceat(flat, heights.offsets[listed])
    return top


def ingest(records: Iterable[AssetRecord], owners: dict[int, str], *, line: bool) -> AssetTable:
    """Build a table from records of one family; `owners` collects owner names.

    Records with unknown vocabulary, of the other family or with bad geometry are logged and
    skipped rather than failing the whole index.
    """
    records = list(records)
    geoms = np.empty(len(records), dtype=object)
    geoms[:] = _field(records, "geometry")
    codes = {name: _codes(_field(records, attr), table) for name, attr, table in _CODED}
    geometry_ok = _geometry_ok(geoms, line)
    vocab_ok = all(c is not None for c in codes.values())
    if not (vocab_ok and geometry_ok.all() and _IN_FAMILY[line][codes["kind"]].all()):
        return ingest(_usable(records, geometry_ok, line), owners, line=line)
    return _build(records, codes, geoms, owners, line)


def _build(records, codes: dict, geoms, owners: dict, line: bool) -> AssetTable:
    n = len(records)
    owner_ids = _field(records, "owner_id")
    owners.update(zip(owner_ids, _field(records, "owner_name"), strict=True))
    free, heights = _capacities(_field(records, "capacity"))
    columns = {
        "ids": np.fromiter(_field(records, "id"), dtype=np.int64, count=n),
        **codes,
        "owner": np.fromiter(owner_ids, dtype=np.int64, count=n),
        "height": np.array(_field(records, "height_m"), dtype=np.float64).reshape(n),
        "free": free,
        "heights": heights,
        "refs": Ragged.from_strings(_field(records, "owner_ref")),
    }
    if line:
        xy, index = shapely.get_coordinates(geoms, return_index=True)
        columns["coords"] = Ragged.from_lengths(np.bincount(index, minlength=n), xy)
    else:
        xy = shapely.get_coordinates(geoms).reshape(n, 2)
        columns.update(lon=xy[:, 0], lat=xy[:, 1])
    return from_columns(columns, line=line)


def from_columns(columns: dict, *, line: bool) -> AssetTable:
    """A table straight from coded columns, the array path that skips AssetRecords.

    Takes `ids` (int64), the codes `kind`, `status`, `sensitivity`, `sector`, `use` (int8,
    positions in the `rules` vocabularies, use 0 = none), `owner` (owner ids), `height`
    (float64 metres, nan if unknown), `free` ((n, len(RESOURCES)) units), `heights` (Ragged
    free antenna mount heights), `refs` (Ragged UTF-8 owner refs) and either `lon`/`lat`
    (points) or `coords` (lines: Ragged lon/lat vertices). Adds the derived columns
    (profile, top mount, line boxes); the caller vouches for valid codes and geometry.
    """
    columns = dict(columns)
    owner = np.asarray(columns["owner"], dtype=np.int64)
    # int32 halves the column; keep int64 if some owner id does not fit.
    columns["owner"] = owner.astype(np.int32) if not len(owner) or owner.max() < 2**31 else owner
    columns["profile"] = profile_codes(*(columns[k] for k in ("kind", "use", "sector", "status")))
    free = columns["free"]
    columns["top"] = top_mounts(
        columns["heights"], free[:, RESOURCE_CODE[_ANTENNA]], columns["height"]
    )
    if line:
        coords = columns["coords"]
        columns["boxes"], columns["box_row"] = geo.line_boxes(coords.values, coords.offsets)
    else:
        columns["lon"] = np.ascontiguousarray(columns["lon"], dtype=np.float64)
        columns["lat"] = np.ascontiguousarray(columns["lat"], dtype=np.float64)
    return AssetTable(columns, line=line)
