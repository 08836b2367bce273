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


def _capacities(session: Session):
    """(asset ids, resource codes, totals, free units, {row: free heights} for antenna
    mounts with listed heights), ordered by asset id."""
    held = defaultdict(int)
    held_stmt = held_units_query().subquery()
    counts = sa.select(held_stmt.c.asset_id, held_stmt.c.resource, sa.func.count()).group_by(
        held_stmt.c.asset_id, held_stmt.c.resource
    )
    for asset_id, resource, count in session.execute(counts):
        held[(asset_id, resource)] = count
    taken = defaultdict(set)
    antenna_held = sa.select(held_stmt.c.asset_id, held_stmt.c.unit).where(
        held_stmt.c.resource == str(_ANTENNA)
    )
    for asset_id, unit in session.execute(antenna_held):
        taken[asset_id].add(unit)
    stmt = sa.select(
        CapacityRow.asset_id, CapacityRow.resource, CapacityRow.total, CapacityRow.unit_heights
    ).order_by(CapacityRow.asset_id)
    ids, codes, free, heights = [], [], [], {}
    for asset_id, resource, total, unit_heights in session.execute(stmt):
        code = RESOURCE_CODE.get(resource)
        if code is None:
            continue
        units = total - held.get((asset_id, resource), 0)
        if resource == _ANTENNA:
            used = taken.get(asset_id, ())
            heights[len(ids)] = [
                float(unit_heights[u - 1]) if unit_heights and u <= len(unit_heights) else math.nan
                for u in range(1, total + 1)
                if u not in used
            ]
        ids.append(asset_id)
        codes.append(code)
        free.append(units)
    return np.array(ids, dtype=np.int64), np.array(codes, np.int64), np.array(free), heights


def _read_assets(session: Session) -> dict:
    """Every asset as columns (ids ascending), geometry as shapely objects, refs Ragged.

    On PostgreSQL the point assets come by binary COPY (`source_copy`), the rest (lines,
    and anything odd) through the cursor."""
    parts, where = defaultdict(list), None
    copied = None
    if session.get_bind().dialect.name == "postgresql":
        copied = source_copy.read_points(session)
    if copied is not None:
        for name in ("ids", "kind", "status", "sensitivity", "use", "owner", "height"):
            parts[name].append(copied[name].astype(_DTYPES[name]))
        parts["geometry"].append(shapely.points(copied["lon"], copied["lat"]))
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
        parts["refs"].append(Ragged.from_strings(ref))
    if not parts or not sum(map(len, parts["ids"])):
        return {}
    cols = {k: np.concatenate(v) for k, v in parts.items() if k != "refs"}
    refs = Ragged.concat(parts["refs"])
    order = np.argsort(cols["ids"], kind="stable")
    if len(parts["ids"]) > 1 and not (np.diff(cols["ids"]) > 0).all():
        cols = {k: v[order] for k, v in cols.items()}
        refs = refs.take(order)
    cols["refs"] = refs
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
    lengths = np.zeros(n, dtype=np.int64)
    listed = {}
    for k in np.flatnonzero(mine).tolist():
        if k in cap_heights:
            listed[int(at[k])] = cap_heights[k]
            lengths[at[k]] = len(cap_heights[k])
    flat = [h for row in sorted(listed) for h in listed[row]]
    geoms = cols["geometry"][rows]
    out = {
        "ids": ids,
        **{k: cols[k][rows] for k in ("kind", "status", "sensitivity", "use")},
        "sector": sectors[rows],
        "owner": cols["owner"][rows],
        "height": cols["height"][rows],
        "free": free,
        "heights": Ragged.from_lengths(lengths, np.array(flat, dtype=np.float64)),
        "refs": cols["refs"].take(rows),
    }
    if line:
        xy, index = shapely.get_coordinates(geoms, return_index=True)
        out["coords"] = Ragged.from_lengths(np.bincount(index, minlength=n), xy)
    else:
        xy = shapely.get_coordinates(geoms).reshape(n, 2)
        out["lon"], out["lat"] = xy[:, 0].copy(), xy[:, 1].copy()
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
    for line in (False, True):
        if not cols:
            tables.append(from_columns(_empty(line), line=line))
            continue
        sectors = np.array([sector_of.get(o, -1) for o in cols["owner"].tolist()], np.int8)
        type_id = shapely.get_type_id(cols["geometry"])
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
