"""The registry read straight into engine columns: the index's start-up load without records.

`SqlAssetSource.snapshot` yields one AssetRecord per asset (~1.5 µs of Python each, plus
the dataclass); at 10 M assets that alone is minutes. Here the rows stream through a
server-side cursor (`yield_per`) in chunks that become numpy columns at once: vocabulary
codes by dict lookups, geometries by one vectorised WKB parse, free units by a grouped
count of held units in SQL. Only antenna mounts with listed heights are walked one by one
(their free positions' heights). The columns feed `AssetIndex.load` (`ingest.from_columns`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections import defaultdict

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching import rules
from matching.candidates import (
    KIND_CODE,
    RESOURCE_CODE,
    SECTOR_CODE,
    SENSITIVITY_CODE,
    STATUS_CODE,
    USE_CODE,
)
from matching.columns import AssetTable
from matching.ingest import from_columns
from matching.ragged import Ragged
from registry.engine import source_copy
from registry.inventory.capacity import held_units_query
from registry.inventory.models import Asset, Organisation
from registry.inventory.models import Capacity as CapacityRow

log = logging.getLogger(__name__)
CHUNK = 50_000
_ANTENNA = rules.Resource.ANTENNA_MOUNT
_LINE = np.array([kind in rules.LINE_KINDS for kind in rules.KINDS])


def _codes(values, table: dict) -> np.ndarray:
    """int8 codes; -1 for a value outside the vocabulary (the row is then skipped)."""
    return np.fromiter((table.get(v, -1) for v in values), dtype=np.int8, count=len(values))


def _asset_chunks(session: Session, where=None):
    stmt = sa.select(
        Asset.id,
        Asset.kind,
        Asset.status,
        Asset.sensitivity,
        Asset.owner_id,
        Asset.owner_ref,
        sa.func.ST_AsBinary(Asset.geom),
        Asset.attributes["height_m"].as_float(),
        Asset.attributes["use"].as_string(),
    ).order_by(Asset.id)
    if where is not None:
        stmt = stmt.where(where)
    return session.execute(stmt.execution_options(yield_per=CHUNK)).partitions()


def _held(session: Session) -> tuple[np.ndarray, np.ndarray, dict]:
    """(sorted keys asset id * R + resource code, units held of each, {asset id: antenna
    mount units held}) of the units held right now."""
    held_stmt = held_units_query().subquery()
    counts = sa.select(held_stmt.c.asset_id, held_stmt.c.resource, sa.func.count()).group_by(
        held_stmt.c.asset_id, held_stmt.c.resource
    )
    keys, units = [], []
    for asset_id, resource, count in session.execute(counts):
        if resource in RESOURCE_CODE:
            keys.append(asset_id * len(rules.RESOURCES) + RESOURCE_CODE[resource])
            units.append(count)
    order = np.argsort(np.array(keys, dtype=np.int64), kind="stable")
    taken = defaultdict(set)
    antenna_held = sa.select(held_stmt.c.asset_id, held_stmt.c.unit).where(
        held_stmt.c.resource == str(_ANTENNA)
    )
    for asset_id, unit in session.execute(antenna_held):
        taken[asset_id].add(unit)
    return np.array(keys, np.int64)[order], np.array(units, np.int64)[order], taken


def _capacities(session: Session):
    """(asset ids, resource codes, free units, free heights: a Ragged with a row per
    capacity row, empty but for antenna mounts), ordered by asset id."""
    held_keys, held_units, taken = _held(session)
    stmt = sa.select(
        CapacityRow.asset_id, CapacityRow.resource, CapacityRow.total, CapacityRow.unit_heights
    ).order_by(CapacityRow.asset_id)
    rows = session.connection().execute(stmt).all()  # Core rows: no ORM per row
    ids, resources, totals, unit_heights = zip(*rows, strict=True) if rows else ((),) * 4
    codes = np.fromiter((RESOURCE_CODE.get(r, -1) for r in resources), np.int64, len(rows))
    known = np.flatnonzero(codes >= 0)
    ids = np.array(ids, dtype=np.int64)[known]
    codes, totals = codes[known], np.array(totals, dtype=np.int64)[known]
    keys = ids * len(rules.RESOURCES) + codes
    at = np.minimum(np.searchsorted(held_keys, keys), max(len(held_keys) - 1, 0))
    held = np.where(held_keys[at] == keys, held_units[at], 0) if len(held_keys) else 0
    lengths, flat = np.zeros(len(ids), dtype=np.int64), []
    for k in np.flatnonzero(codes == RESOURCE_CODE[_ANTENNA]).tolist():
        total, listed, used = int(totals[k]), unit_heights[known[k]], taken.get(int(ids[k]), ())
        if not listed and not used:  # the common case, as the general one would give
            free_heights = [math.nan] * total
        else:
            free_heights = [
                float(listed[u - 1]) if listed and u <= len(listed) else math.nan
                for u in range(1, total + 1)
                if u not in used
            ]
        lengths[k] = len(free_heights)
        flat.extend(free_heights)
    heights = Ragged.from_lengths(lengths, np.array(flat, dtype=np.float64))
    return ids, codes, totals - held, heights


def _read_assets(session: Session) -> dict:
    """Every asset as columns (ids ascending), geometry as shapely objects (None where
    `copied`: those points are their lon, lat columns), refs Ragged in the order read
    (`ref_row` gives each row's).

    On PostgreSQL the point assets come by binary COPY (`source_copy`), the rest (lines,
    and anything odd) through the cursor."""
    parts, where = defaultdict(list), None
    copied = None
    if session.get_bind().dialect.name == "postgresql":
        copied = source_copy.read_points(session)
    if copied is not None:
        for name in ("ids", "kind", "status", "sensitivity", "use", "owner", "height"):
            parts[name].append(copied[name].astype(_DTYPES[name]))
        # No shapely point per row: `_family` reads lon/lat straight from these columns.
        parts["geometry"].append(np.full(len(copied["ids"]), None, dtype=object))
        parts["copied"].append(np.ones(len(copied["ids"]), dtype=bool))
        parts["lon"].append(copied["lon"])
        parts["lat"].append(copied["lat"])
        parts["refs"].append(copied["refs"])
        point = sa.and_(
            sa.func.ST_GeometryType(Asset.geom) == "ST_Point",
            Asset.kind.in_([str(k) for k in rules.POINT_KINDS]),
        )
        where = sa.not_(point)
    for rows in _asset_chunks(session, where):
        ids, kind, status, sens, owner, ref, wkb, height, use = zip(*rows, strict=True)
        parts["ids"].append(np.array(ids, dtype=np.int64))
        parts["kind"].append(_codes(kind, KIND_CODE))
        parts["status"].append(_codes(status, STATUS_CODE))
        parts["sensitivity"].append(_codes(sens, SENSITIVITY_CODE))
        parts["use"].append(_codes(use, USE_CODE))
        parts["owner"].append(np.array(owner, dtype=np.int64))
        parts["height"].append(np.array(height, dtype=np.float64))
        parts["geometry"].append(shapely.from_wkb([bytes(w) for w in wkb]))
        parts["copied"].append(np.zeros(len(ids), dtype=bool))
        parts["lon"].append(np.full(len(ids), np.nan))
        parts["lat"].append(np.full(len(ids), np.nan))
        parts["refs"].append(Ragged.from_strings(ref))
    if not parts or not sum(map(len, parts["ids"])):
        return {}
    cols = {k: np.concatenate(v) for k, v in parts.items() if k != "refs"}
    # Refs stay in the order read: one gather in `_family` instead of a sort and a gather.
    cols["ref_row"] = np.arange(len(cols["ids"]))
    if not (cols["ids"][1:] > cols["ids"][:-1]).all():  # COPY gives table order
        order = np.argsort(cols["ids"], kind="stable")
        cols = {k: v[order] for k, v in cols.items()}
    cols["refs"] = Ragged.concat(parts["refs"])
    _planned_in_service(session, cols)
    return cols


def _planned_in_service(session: Session, cols: dict) -> None:
    """A planned asset counts as in service from its planned date on (co-build: the others
    can be matched to what one member will build), as `source._status` decides per record."""
    today = dt.date.today().isoformat()
    stmt = sa.select(Asset.id).where(
        Asset.status == "planned", Asset.attributes["planned_date"].as_string() <= today
    )
    due = np.fromiter(session.scalars(stmt), dtype=np.int64)
    if len(due):
        rows = np.searchsorted(cols["ids"], due)
        rows = rows[
            (rows < len(cols["ids"])) & (cols["ids"][np.minimum(rows, len(cols["ids"]) - 1)] == due)
        ]
        cols["status"][rows] = STATUS_CODE[rules.Status.IN_SERVICE]


_DTYPES = {"ids": np.int64, "kind": np.int8, "status": np.int8, "sensitivity": np.int8,
           "use": np.int8, "owner": np.int64, "height": np.float64}  # fmt: skip


def _family(cols: dict, rows: np.ndarray, cap: tuple, sectors: np.ndarray, line: bool) -> dict:
    """Engine columns (see `ingest.from_columns`) of the asset rows `rows`."""
    n = len(rows)
    cap_ids, cap_codes, cap_free, cap_heights = cap
    ids = cols["ids"][rows]
    free = np.zeros((n, len(rules.RESOURCES)), dtype=np.int32)
    at = np.searchsorted(ids, cap_ids)
    mine = (at < n) & (ids[np.minimum(at, max(n - 1, 0))] == cap_ids) if n else at < 0
    free[at[mine], cap_codes[mine]] = cap_free[mine]
    # Capacity rows come by asset id, as the rows do: antenna mounts' heights keep order.
    antenna = np.flatnonzero(mine & (cap_codes == RESOURCE_CODE[_ANTENNA]))
    lengths = np.zeros(n, dtype=np.int64)
    lengths[at[antenna]] = np.diff(cap_heights.offsets)[antenna]
    flat = cap_heights.take(antenna).values
    geoms = cols["geometry"][rows]
    out = {
        "ids": ids,
        **{k: cols[k][rows] for k in ("kind", "status", "sensitivity", "use")},
        "sector": sectors[rows],
        "owner": cols["owner"][rows],
        "height": cols["height"][rows],
        "free": free,
        "heights": Ragged.from_lengths(lengths, flat),
        "refs": _take_short(cols["refs"], cols["ref_row"][rows]),
    }
    if line:
        xy, index = shapely.get_coordinates(geoms, return_index=True)
        out["coords"] = Ragged.from_lengths(np.bincount(index, minlength=n), xy)
    else:
        copied = cols["copied"][rows]
        out["lon"], out["lat"] = cols["lon"][rows], cols["lat"][rows]
        xy = shapely.get_coordinates(geoms[~copied]).reshape(-1, 2)
        out["lon"][~copied], out["lat"][~copied] = xy[:, 0], xy[:, 1]
    return out


def read_tables(session: Session) -> tuple[AssetTable, AssetTable, dict[int, str]]:
    """(point table, line table, owner names) of the whole registry, in the session's
    snapshot. Rows with unknown vocabulary or a geometry of the wrong family are skipped
    (logged), as `ingest` skips such records."""
    orgs = session.execute(sa.select(Organisation.id, Organisation.name, Organisation.sector))
    owners, sector_of = {}, {}
    for org_id, name, sector in orgs:
        owners[org_id], sector_of[org_id] = name, SECTOR_CODE.get(sector, -1)
    cols = _read_assets(session)
    cap = _capacities(session)
    tables = []
    if cols:
        sectors = _sectors(cols["owner"], sector_of)
        type_id = shapely.get_type_id(cols["geometry"])
        type_id[cols["copied"]] = 0  # points read by COPY, kept as lon/lat
    for line in (False, True):
        if not cols:
            tables.append(from_columns(_empty(line), line=line))
            continue
        known = (cols["kind"] >= 0) & (cols["status"] >= 0) & (cols["sensitivity"] >= 0)
        known &= (cols["use"] >= 0) & (sectors >= 0)
        family = known & (_LINE[np.maximum(cols["kind"], 0)] == line)
        rows = np.flatnonzero(family & (type_id == (1 if line else 0)))
        if int(family.sum()) != len(rows):
            log.error("%d assets skipped: geometry of the wrong family", family.sum() - len(rows))
        tables.append(from_columns(_family(cols, rows, cap, sectors, line), line=line))
    skipped = len(cols.get("ids", ())) - len(tables[0]) - len(tables[1])
    if skipped:
        log.error("%d assets skipped: unknown vocabulary or bad geometry", skipped)
    return tables[0], tables[1], owners


def _take_short(ragged: Ragged, slots: np.ndarray) -> Ragged:
    """`ragged.take(slots)` for a packed Ragged of short rows (owner refs): through a padded
    byte matrix instead of an int64 index per byte (~1 GB each at 10 M refs)."""
    lengths = np.diff(ragged.offsets)
    width = int(lengths.max()) if len(lengths) else 0
    if ragged.overrides or width > 64 or ragged.values.ndim != 1:
        return ragged.take(slots)
    filled = np.arange(width) < lengths[:, None]
    padded = np.zeros((len(lengths), width), dtype=ragged.values.dtype)
    padded[filled] = ragged.values  # row-major: the rows' bytes in order
    return Ragged.from_lengths(lengths[slots], padded[slots][filled[slots]])


def _sectors(owner: np.ndarray, sector_of: dict[int, int]) -> np.ndarray:
    """Sector code of each row's owner, -1 for an owner not found."""
    keys = np.array(sorted(sector_of), dtype=np.int64)
    codes = np.array([sector_of[k] for k in keys.tolist()] + [-1], dtype=np.int8)
    at = np.searchsorted(keys, owner)
    found = keys[np.minimum(at, max(len(keys) - 1, 0))] == owner if len(keys) else at < 0
    return codes[np.where(found, at, len(keys))]


def _empty(line: bool) -> dict:
    cols = {"ids": np.zeros(0, np.int64), "owner": np.zeros(0, np.int64),
            "height": np.zeros(0), "free": np.zeros((0, len(rules.RESOURCES)), np.int32),
            "heights": Ragged.from_lengths(np.zeros(0, np.int64), np.zeros(0)),
            "refs": Ragged.from_strings([])}  # fmt: skip
    cols.update(
        {k: np.zeros(0, np.int8) for k in ("kind", "status", "sensitivity", "sector", "use")}
    )
    if line:
        cols["coords"] = Ragged.from_lengths(np.zeros(0, np.int64), np.zeros((0, 2)))
    else:
        cols["lon"], cols["lat"] = np.zeros(0), np.zeros(0)
    return cols
