"""A first import on PostGIS (the owner has no assets yet): COPY straight into the final tables.

Every valid feature of such an import is a create, so there is nothing to compare: the
staging table and the plan (registry.interop.importers.store) would only copy the rows twice
more. Instead the new ids are drawn from the asset sequence in file order (one statement),
and the assets, their capacity, one audit row per asset (its full after-snapshot, in the
shape of registry.inventory.assets.asset_snapshot) and, under the feed lock, one change-feed
row per asset are streamed with COPY. The server loads COPY rows in batches, which costs it
far less than `INSERT ... SELECT` row by row, and it does so while this process formats the
next rows (psycopg's queued writer sends from a thread). Same transaction and the same values
as the staged path (JSON text may be spaced and ordered differently, as the API's own is):
all or nothing, and a re-run goes through the staged path and changes nothing.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator

import numpy as np
import shapely
import shapely.geometry
import sqlalchemy as sa
from psycopg.copy import QueuedLibpqWriter

from registry.db.uow import lock_feed
from registry.interop.importers.sql_postgres import ASSET_ID_SEQUENCE
from registry.interop.importers.store import Store, copy_escape, hex_ewkb
from registry.interop.importers.vector import Validated, Values

log = logging.getLogger(__name__)

CHUNK = 20_000  # rows formatted per COPY write: the server loads one while the next is built
# The first write of each COPY is small: the server waits for it (a streamed import runs
# three COPYs per batch, sixty per million rows).
FIRST_CHUNK = 2_000
HAS_ASSETS = "SELECT EXISTS (SELECT 1 FROM asset WHERE owner_id = :owner)"
# The ids drawn in file order, told by their range: usually consecutive, and then they are
# min..max in order (nextval runs row by row along the series).
ID_RANGE = f"""
SELECT min(id), max(id), count(*)
FROM (SELECT nextval({ASSET_ID_SEQUENCE}) AS id FROM generate_series(1, :count)) AS drawn
"""
# Otherwise (another transaction drew ids meanwhile) they are drawn again, and told as runs
# of consecutive values (start, length) in the order drawn.
ID_RUNS = f"""
WITH drawn AS MATERIALIZED (
    SELECT g, nextval({ASSET_ID_SEQUENCE}) AS id FROM generate_series(1, :count) AS g)
SELECT min(id), count(*) FROM drawn GROUP BY id - g ORDER BY 1
"""
# The COPYed columns of each table, and its time columns (given last, or by default: below).
COLUMNS = {
    "asset": "id, owner_ref, geom, owner_id, kind, status, sensitivity, attributes",
    "capacity": "asset_id, resource, total, unit_heights",
    "audit_log": "object_id, after, actor, request_id, object_type, action",
    "change_feed": "asset_id, entity, op",
}
STAMPS = {"asset": ("created_at", "updated_at"), "audit_log": ("at",), "change_feed": ("at",)}
HAS_DEFAULT = (
    "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND table_name = :t AND column_name = ANY(:c) AND column_default IS NOT NULL"
)
encode_string = json.encoder.encode_basestring  # a JSON string literal, non-ASCII kept
# What JSON (quote, backslash, control characters) or COPY (backslash, tab, line breaks)
# escapes in a string.
NEEDS_ESCAPING = re.compile(r'["\\\x00-\x1f]')


def applies(store: Store, dry_run: bool, prune: bool) -> bool:
    """True for a PostGIS import that writes and whose owner holds no asset yet."""
    if not store.postgres or dry_run or prune:
        return False
    return not store.session.execute(sa.text(HAS_ASSETS), store.params).scalar()


def geojson_texts(geoms: np.ndarray) -> list[str]:
    """The GeoJSON text of each geometry, as the API's snapshots write it (shortest repr).

    2D points (the common bulk load) are formatted from the coordinate array.
    """
    if len(geoms) and (shapely.get_type_id(geoms) == 0).all() and not shapely.has_z(geoms).any():
        xy = shapely.get_coordinates(geoms)
        if len(xy) == len(geoms):
            return [f'{{"type": "Point", "coordinates": [{x!r}, {y!r}]}}' for x, y in xy.tolist()]
    return [json.dumps(shapely.geometry.mapping(g)) for g in geoms]


class FreshLoad:
    """The writes of a first import; used in place of the Store's plan, write and finish.

    `write` loads all of `valid`; a streamed import (importers.pipeline) calls `start`, then
    `add` per batch of validated features, then `end`."""

    def __init__(self, store: Store, valid: Validated | None = None):
        self.store = store
        self.valid = valid
        self.ids: list[int] = []
        self.stamp = store.params["now"].isoformat()
        self._open: dict[str, tuple[str, str, bool]] = {}
        self._made: dict[str, dict] = {}

    def plan(self) -> Counter:
        """Every valid feature is created."""
        self.store.tune()
        return Counter({"create": len(self.valid)})

    def write(self) -> None:
        """Draw the ids, then COPY the assets, their capacity and their audit rows."""
        started = time.monotonic()
        self.start()
        self.add(self.valid)
        self.end()
        log.info("copied %d new assets in %.1f s", len(self.ids), time.monotonic() - started)

    def start(self) -> None:
        """Ready the COPYs of the assets, their capacity and their audit rows."""
        for table in ("asset", "capacity", "audit_log"):
            self._open[table] = self._prepare(table)

    def add(self, valid: Validated) -> None:
        """COPY these features (new ids drawn in file order): assets, capacity, audit rows."""
        ids = self._draw_ids(len(valid))
        self.ids.extend(ids)
        plain = _plain_refs(valid)
        self._send("asset", self._asset_chunks(valid, ids, plain))
        self._send("capacity", self._capacity_chunks(valid, ids))
        self._send("audit_log", self._audit_chunks(valid, ids, plain))

    def end(self) -> None:
        """Give the time columns back their own defaults (see _stamp_by_default)."""
        for table, (_, _, by_default) in self._open.items():
            if by_default:
                self._unstamp(table)
        self._open = {}

    def finish(self) -> None:
        """The change feed, in file order, under its lock, right before the commit."""
        lock_feed(self.store.session)
        self._open["change_feed"] = self._prepare("change_feed")
        stamps = self._open["change_feed"][1]
        self._send("change_feed", _chunked(f"{i}\tasset\tcreate{stamps}\n" for i in self.ids))
        self.end()

    def _draw_ids(self, count: int) -> list[int]:
        """New ids for `count` features, in file order (unused ones are gaps, as after a
        rolled-back insert)."""
        if not count:
            return []
        session = self.store.session
        low, high, drawn = session.execute(sa.text(ID_RANGE), {"count": count}).one()
        if high - low + 1 == drawn:
            return list(range(low, high + 1))
        runs = session.execute(sa.text(ID_RUNS), {"count": count}).all()
        return np.concatenate([np.arange(a, a + n) for a, n in runs]).tolist()

    def _prepare(self, table: str) -> tuple[str, str, bool]:
        """(the COPY statement, the text of the time columns each row ends with, whether the
        time columns take the import's time by default instead)."""
        stamped = STAMPS.get(table, ())
        by_default = bool(stamped) and self._stamp_by_default(table, stamped)
        columns = COLUMNS[table] if by_default else ", ".join((COLUMNS[table], *stamped))
        stamps = "" if by_default else f"\t{self.stamp}" * len(stamped)
        return f"COPY {table} ({columns}) FROM STDIN", stamps, by_default

    def _send(self, table: str, chunks: Iterator[str]) -> None:
        cur = self.store.dbapi.cursor()
        with cur, cur.copy(self._open[table][0], writer=QueuedLibpqWriter(cur)) as copy:
            for chunk in chunks:
                copy.write(chunk)

    def _unstamp(self, table: str) -> None:
        for column in STAMPS[table]:
            self.store.session.execute(
                sa.text(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
            )

    def _stamp_by_default(self, table: str, columns: tuple[str, ...]) -> bool:
        """Make the import's time the default of the table's time columns, so that the server
        parses it once, not on every row (a million timestamps cost it about a second).

        Only while the import holds the table's exclusive lock (its indexes are deferred), so
        no other transaction sees the default, and only where the columns have none."""
        session = self.store.session
        if not self.store.deferred.get(table):
            return False
        if session.execute(sa.text(HAS_DEFAULT), {"t": table, "c": list(columns)}).scalar():
            return False
        for column in columns:
            session.execute(
                sa.text(
                    f"ALTER TABLE {table} ALTER COLUMN {column} "
                    f"SET DEFAULT '{self.stamp}'::timestamptz"
                )
            )
        return True

    def _asset_chunks(self, valid: Validated, ids: list[int], plain: bool) -> Iterator[str]:
        owner = self.store.params["owner"]
        stamps = self._open["asset"][1]
        tails = self._per_group("asset", valid.values, lambda v: (
            f"{owner}\t{v.kind}\t{v.status}\t{v.sensitivity}\t"
            f"{copy_escape(v.attributes)}{stamps}\n" if v else ""))  # fmt: skip
        escape = _same if plain else copy_escape
        for part, refs, geoms, groups in _slices(valid, ids):
            rows = zip(part, refs, hex_ewkb(geoms), groups, strict=True)
            yield "".join(f"{i}\t{escape(r)}\t{geom}\t{tails[g]}" for i, r, geom, g in rows)

    def _capacity_chunks(self, valid: Validated, ids: list[int]) -> Iterator[str]:
        capacity = self._per_group("capacity", valid.values, _capacity_tails)
        rows = zip(ids, valid.group.tolist(), strict=True)
        return _chunked(f"{i}\t{tail}" for i, g in rows for tail in capacity[g])

    def _audit_chunks(self, valid: Validated, ids: list[int], plain: bool) -> Iterator[str]:
        parts = self._per_group("audit_log", valid.values, self._snapshot_parts)
        params = self.store.params
        rid = "\\N" if params["rid"] is None else copy_escape(params["rid"])
        stamps = self._open["audit_log"][1]
        tail = f"\t{copy_escape(params['actor'])}\t{rid}\tasset\tcreate{stamps}\n"

        def lines(rows):
            for i, ref, geo, g in rows:
                head, middle, end = parts[g]
                ref = f'"{ref}"' if plain else copy_escape(encode_string(ref))
                yield f"{i}\t{head}{ref}{middle}{geo}{end}{tail}"

        for part, refs, geoms, groups in _slices(valid, ids):
            yield "".join(lines(zip(part, refs, geojson_texts(geoms), groups, strict=True)))

    def _per_group(self, table: str, values: list, make) -> list:
        """make(v) for each group's properties, each made once per import: the batches of a
        streamed file share most of their groups (thousands per batch in a GeoJSON)."""
        made = self._made.setdefault(table, {})
        out = []
        for v in values:
            if v not in made:
                made[v] = make(v)
            out.append(made[v])
        return out

    def _snapshot_parts(self, v: Values | None) -> tuple[str, str, str]:
        """The snapshot's text around the owner_ref and the geometry, COPY-escaped."""
        if v is None:
            return ("", "", "")
        head = (
            f'{{"kind": {encode_string(v.kind)}, "owner_id": {self.store.params["owner"]}, '
            '"owner_ref": '
        )
        middle = (
            f', "status": {encode_string(v.status)}, '
            f'"sensitivity": {encode_string(v.sensitivity)}, "geometry": '
        )
        end = f', "attributes": {v.attributes}, "capacity": {v.capacity}}}'
        return copy_escape(head), copy_escape(middle), copy_escape(end)


def _slices(valid: Validated, ids: list[int]) -> Iterator[tuple[list, list, np.ndarray, list]]:
    """(ids, refs, geometries, groups) CHUNK rows at a time. Geometries are encoded per
    slice, not all before the first row is sent: the server starts loading at once and
    the rest of the encoding overlaps its work (these COPYs are bound by the server)."""
    bounds = [0, *range(FIRST_CHUNK, len(ids), CHUNK), len(ids)] if ids else []
    for start, end in itertools.pairwise(bounds):
        yield (ids[start:end], valid.refs[start:end], valid.geoms[start:end],
               valid.group[start:end].tolist())  # fmt: skip


def _plain_refs(valid: Validated) -> bool:
    """True when no ref needs escaping, for COPY or in JSON: then none is escaped one by
    one (the common case: codes of letters, digits and dashes)."""
    return NEEDS_ESCAPING.search("".join(valid.refs)) is None


def _same(text: str) -> str:
    return text


def _chunked(lines: Iterator[str]) -> Iterator[str]:
    """The lines joined CHUNK at a time."""
    while chunk := "".join(itertools.islice(lines, CHUNK)):
        yield chunk


def _capacity_tails(v: Values | None) -> list[str]:
    """Per resource of a group: `resource, total, unit_heights` as COPY text (JSON null when
    no heights, as the ORM writes None)."""
    if v is None:
        return []
    out = []
    for resource, spec in json.loads(v.capacity).items():
        heights = json.dumps(spec["heights"]) if "heights" in spec else "null"
        out.append(f"{copy_escape(resource)}\t{spec['total']}\t{heights}\n")
    return out
