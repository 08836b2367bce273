"""A list page's rows by id in one round trip: asset columns, owner and capacity summaries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from types import MappingProxyType

import shapely
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from registry.db.driver import fetch_all, prepare
from registry.db.spatial_sql import wkb_of
from registry.inventory.capacity import (
    CapacitySummary,
    held_count_subquery,
    held_listed_subquery,
)
from registry.inventory.models import Allocation, Asset, Capacity, Organisation, utcnow

ASSET_COLUMNS = (
    Asset.id,
    Asset.kind,
    Asset.owner_id,
    Organisation.name,
    Organisation.sector,
    Asset.owner_ref,
    Asset.status,
    Asset.sensitivity,
    Asset.attributes,
    Asset.created_at,
    Asset.updated_at,
)
GEOMETRY = len(ASSET_COLUMNS)  # the WKB column follows the asset columns
# These come undecoded (see _asset_columns): the attributes as text, and the two times (on
# SQLite as text, on PostgreSQL as UTC timestamps without a zone).
JSON_TEXT, TIMES = (8,), (9, 10)
EXTRA = GEOMETRY + 1  # then the caller's extra columns, then the capacity columns


@dataclass(frozen=True, slots=True)
class Owner:
    """The owner fields a list row shows."""

    name: str
    sector: str


@dataclass(slots=True)
class AssetRow:
    """An asset as a list page reads it: the columns asset_feature needs, no ORM object.

    Not frozen: a frozen dataclass sets each field through object.__setattr__, and making
    one cost ~2.8 us against ~0.4 us (a page makes up to a hundred). Nothing may change
    one but for the texts kept with it: asset_rows shares them between requests."""

    id: int
    kind: str
    owner_id: int
    owner: Owner
    owner_ref: str
    status: str
    sensitivity: str
    attributes: MappingProxyType  # read-only: shared by the assets with the same text
    created_at: object
    updated_at: object
    geom: object  # a shapely geometry
    # What the API wrote of this row, kept with it (api.assets.page_json, masked_text): a
    # row is the content it was read with, so these live and die with it, and hold only
    # plain values (which the garbage collector stops visiting).
    feature_text: tuple | None = field(default=None, compare=False, repr=False)
    masked_text: tuple | None = field(default=None, compare=False, repr=False)
    # (grid, geometry snapped to it): the masked form a near list measures (inventory.near).
    snapped: tuple | None = field(default=None, compare=False, repr=False)

    def snapped_to(self, grid_m: float):
        """The masked form kept for this grid (snapped by visibility.snap_many), or None."""
        kept = self.snapped
        return kept[1] if kept is not None and kept[0] == grid_m else None


def ids_condition(dialect: str, column=Asset.id) -> sa.ColumnElement:
    """`column` (Asset.id) among the "page_ids" parameter: ONE parameter (an array; JSON
    text on SQLite), given by `params`.

    An IN list renders one placeholder per id, so every page size is new SQL to compile,
    parse and plan; one parameter keeps the text constant, and psycopg's prepared
    statements and SQLite's statement cache are reused. On PostgreSQL the array is sent as
    its text ('{1,2,3}'), which the server casts: psycopg's list dumper checks every item
    in Python (~0.1 ms for a page of ids).
    """
    if dialect == "postgresql":
        ids = sa.cast(sa.bindparam("page_ids", type_=sa.String), postgresql.ARRAY(sa.Integer))
        return column == sa.any_(ids)
    values = sa.func.json_each(sa.bindparam("page_ids", type_=sa.String)).table_valued("value")
    return column.in_(sa.select(values.c.value))


def params(dialect: str, ids, **more) -> dict:
    """The parameters of a statement made with ids_condition and rows_statement."""
    text = ",".join([str(int(i)) for i in ids])  # int(): numpy integers print as numbers
    return {
        "page_ids": f"{{{text}}}" if dialect == "postgresql" else f"[{text}]",
        "now": utcnow(),
        **more,
    }


def rows_statement(dialect: str, extra: tuple = ()) -> sa.Select:
    """SELECT the asset columns, its WKB, the `extra` columns, then one capacity per row:
    resource, total, unit heights and units held at the "now" parameter (no capacity: one
    row of NULLs)."""
    now = sa.bindparam("now", type_=Allocation.expires_at.type)
    heights = _as_text(dialect, Capacity.unit_heights)  # decoded by _heights
    # PostgreSQL: from the allocations' unit lists (held_listed_subquery: the same number).
    held = (held_listed_subquery if dialect == "postgresql" else held_count_subquery)(now)
    columns = (Capacity.resource, Capacity.total, heights, held)
    stmt = sa.select(*_asset_columns(dialect), wkb_of(dialect), *extra).join(
        Organisation, Organisation.id == Asset.owner_id
    )
    if dialect != "postgresql":
        return stmt.add_columns(*columns).outerjoin(Capacity, Capacity.asset_id == Asset.id)
    # LATERAL: PostgreSQL then reads each asset's capacity by index, where a plain join
    # makes it hash a scan of every capacity row.
    capacity = sa.select(*columns).where(Capacity.asset_id == Asset.id).lateral()
    return stmt.add_columns(*capacity.c).outerjoin(capacity, sa.true())


def _asset_columns(dialect: str) -> tuple:
    """ASSET_COLUMNS, the JSON one (and on SQLite the two times) as undecoded text. The
    driver or SQLAlchemy would decode them on every row: once per capacity of an asset, and
    for candidates that are not on the page (psycopg's JSON loader is Python's json.loads
    per value; SQLAlchemy's SQLite date parser a regular expression). asset_rows decodes
    them once per asset it makes (_utc).

    PostgreSQL's times come as UTC timestamps without a zone (AT TIME ZONE 'UTC'): psycopg
    loads a timestamptz into the session's zone, ~0.4 us a value (~70 us of a near list's
    one-trip query), a plain timestamp in C for little; the server's conversion is cheaper
    than sending text (to_json's ISO text cost it ~120 us a query). _utc makes them aware."""
    if dialect != "postgresql":
        text = JSON_TEXT + TIMES
        return tuple(_as_text(dialect, c) if i in text else c for i, c in enumerate(ASSET_COLUMNS))
    return tuple(
        _as_text(dialect, c) if i in JSON_TEXT else _utc_timestamp(c) if i in TIMES else c
        for i, c in enumerate(ASSET_COLUMNS)
    )


def _utc_timestamp(column):
    """A PostgreSQL timestamptz as the UTC timestamp without a zone (AT TIME ZONE 'UTC')."""
    return sa.func.timezone("UTC", column, type_=sa.DateTime(timezone=False))


def _as_text(dialect: str, column):
    """The column's stored text: SQLite gives it as is; PostgreSQL's json casts to text."""
    if dialect == "postgresql":
        return sa.cast(column, sa.Text)
    return sa.type_coerce(column, sa.String)


def _utc(stored) -> dt.datetime:
    """A time as SQLite stores it ("2026-11-29 16:54:13.345638", UTC) or as _utc_timestamp
    reads it from PostgreSQL (a datetime without a zone, UTC), aware and in UTC."""
    if not isinstance(stored, str):
        return stored.replace(tzinfo=dt.UTC)
    value = dt.datetime.fromisoformat(stored)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


# Parsed JSON texts by text: capacities' unit heights and assets' attributes repeat (the
# demo city's 9,959 assets have 799 distinct attribute texts), and json.loads costs ~3 us.
_HEIGHTS: dict = {}
_ATTRIBUTES: dict = {}
PARSED_TEXTS = 4096  # kept per cache, a bound on memory


def _parsed(cache: dict, stored: str, convert):
    """convert(json.loads(stored)), parsed once per distinct text while it stays cached."""
    found = cache.get(stored, cache)
    if found is cache:
        if len(cache) >= PARSED_TEXTS:
            cache.clear()
        found = cache[stored] = convert(json.loads(stored))
    return found


def _heights_of(value) -> tuple | None:
    return tuple(value) if value else None


def _heights(stored) -> tuple | None:
    """A capacity's unit heights as a tuple (None for none) from their JSON text."""
    return None if stored is None else _parsed(_HEIGHTS, stored, _heights_of)


def _attributes(stored):
    """An asset's attributes from their JSON text, read-only: one parsed value serves every
    asset with the same text (asset_feature copies them into the Feature's properties)."""
    return _parsed(_ATTRIBUTES, stored, MappingProxyType) if isinstance(stored, str) else stored


def run(session, stmt: sa.Select, values: dict):
    """The statement's rows on the session's connection, in its transaction all the same.

    A statement from cached_statement runs straight on the driver (registry.db.driver),
    compiled on first use: rows are the driver's tuples. Others (built for one query) run
    as SQLAlchemy Core rows, without the ORM's result machinery."""
    connection = session.connection()
    prepared = _PREPARED.get(id(stmt), False)
    if prepared is None:
        prepared = _PREPARED[id(stmt)] = prepare(stmt, connection.dialect) or False
    if prepared is False:
        return connection.execute(stmt, values)
    return fetch_all(connection, prepared, values)


_STATEMENTS: dict = {}
_PREPARED: dict = {}  # id of a cached statement: its Prepared (None until its first run)


def cached_statement(key: tuple, build) -> sa.Select:
    """The statement built once per key: building one costs more than running it. `key`
    names the dialect, so a statement is only ever compiled for one."""
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= 256:  # keys include organisation ids: keep the cache bounded
            _STATEMENTS.clear()
            _PREPARED.clear()  # with them, so no id of a freed statement stays here
        stmt = _STATEMENTS[key] = build()
        _PREPARED[id(stmt)] = None
    return stmt


def grouped_kept(rows) -> tuple[dict[int, tuple], list[AssetRow | None]]:
    """({asset id: (its first row, [CapacitySummary by resource])} from rows_statement rows,
    the kept AssetRow of each entry or None (kept_rows)), in one pass over the rows: a near
    list's one-trip query has ~90 rows, and a pass costs ~1 us a row in a request."""
    out: dict[int, tuple] = {}
    kept: list[AssetRow | None] = []
    for row in rows:
        entry = out.get(row[0])
        if entry is None:
            entry = out[row[0]] = (row, [])
            found = _ROWS.get(row[0])
            if found is not None:  # _kept(row), inline
                columns = row[:EXTRA] if type(row[GEOMETRY]) is bytes else _columns(row)
                found = found[1] if found[0] == columns else None
            kept.append(found)
        resource, total, heights, held = row[-4:]
        if resource is not None:
            # The kept value straight from _HEIGHTS when there is one (two calls less a row),
            # None included: most capacities' heights are JSON's "null".
            parsed = _HEIGHTS.get(heights, _HEIGHTS) if heights is not None else None
            if parsed is _HEIGHTS:
                parsed = _heights(heights)
            entry[1].append(CapacitySummary(resource, total, held, parsed))
    for _, caps in out.values():
        if len(caps) > 1:
            caps.sort(key=lambda c: c.resource)
    return out, kept


# AssetRows by the columns they are made of (the asset's, its owner's, its WKB): a near
# list's assets recur from request to request, and making one costs ~5 us (its geometry
# parsed, its times and attributes decoded). Kept as (those columns, the AssetRow) under the
# asset's id; an entry is used only when every column is equal to those just read, so it can
# never be stale: a changed asset, its renamed owner, or the same id read from another
# database reads as a miss and replaces it. Comparing is a length check and a memcmp of the
# texts and WKB; hashing them as the key read every byte (~1 us a row), and the id and
# times as the key hashed two datetimes a row. Bounded (cleared when full).
_ROWS: dict = {}
KEPT_ROWS = 16_384


def _columns(r) -> tuple:
    """The columns an AssetRow is made of (the times in UTC: see _asset_columns)."""
    return r[:EXTRA] if type(r[GEOMETRY]) is bytes else (*r[:GEOMETRY], bytes(r[GEOMETRY]))


def _kept(r) -> AssetRow | None:
    """The AssetRow kept for row r's columns, or None."""
    entry = _ROWS.get(r[0])
    return entry[1] if entry is not None and entry[0] == _columns(r) else None


def kept_rows(entries: list[tuple]) -> list[AssetRow | None]:
    """The kept AssetRow of each grouped_kept() entry, or None (none is made)."""
    return [_kept(r) for r, _ in entries]


def asset_rows(entries: list[tuple], kept: list | None = None) -> list[AssetRow]:
    """AssetRows from grouped_kept() entries' first rows (made once per distinct content while
    kept, the missing ones' geometries parsed in one call). They are shared: read-only.
    `kept`: kept_rows(entries), when the caller has it."""
    out = kept_rows(entries) if kept is None else list(kept)
    missing = [k for k, row in enumerate(out) if row is None]
    if not missing:
        return out
    columns = {k: _columns(entries[k][0]) for k in missing}
    if len(_ROWS) + len(missing) > KEPT_ROWS:
        _ROWS.clear()
    geoms = shapely.from_wkb([columns[k][GEOMETRY] for k in missing])
    owners: dict = {}
    for k, g in zip(missing, geoms, strict=True):
        r = entries[k][0]
        owner = owners.get((r[3], r[4])) or owners.setdefault((r[3], r[4]), Owner(r[3], r[4]))
        attributes, created, updated = _attributes(r[8]), _utc(r[9]), _utc(r[10])
        out[k] = AssetRow(
            r[0], r[1], r[2], owner, r[5], r[6], r[7], attributes, created, updated, g
        )
        _ROWS[r[0]] = (columns[k], out[k])
    return out


def page_rows(session, ids) -> dict[int, tuple[AssetRow, list[CapacitySummary]]]:
    """{id: (AssetRow, [CapacitySummary by resource])} for the given asset ids, one query."""
    if not ids:
        return {}
    dialect = session.get_bind().dialect.name
    stmt = cached_statement(
        ("page_rows", dialect), lambda: rows_statement(dialect).where(ids_condition(dialect))
    )
    entries, kept = grouped_kept(run(session, stmt, params(dialect, ids)))
    rows = asset_rows(list(entries.values()), kept)
    return {row.id: (row, caps) for row, (_, caps) in zip(rows, entries.values(), strict=True)}
