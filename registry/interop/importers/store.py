"""Storing validated features set-based, inside the import's one transaction.

The features go into a temporary staging table (COPY on PostGIS, executemany on SpatiaLite);
one SQL statement compares them with the owner's assets (the plan: create, update or
unchanged, geometry within registry.interop.importers.sql_postgres.TOLERANCE_DEG); a few
more write the assets, their capacity, the audit rows (before/after snapshots built in SQL)
and, last and under registry.db.uow.lock_feed, the change feed. The same rules as
registry.inventory.assets, without a Python loop per feature.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import Counter

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.db.uow import Actor, lock_feed
from registry.interop.importers import deferred, sql_postgres, sql_sqlite
from registry.interop.importers.vector import Validated

log = logging.getLogger(__name__)

SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite
COPY_CHUNK = 100_000
SQLITE_CACHE_KB = 256 * 1024
# PostGIS tables whose non-unique indexes and foreign keys a large batch defers
# (registry.interop.importers.deferred).
DEFERRED_TABLES = ("asset", "capacity", "audit_log", "change_feed")
EWKB_POINT_4326 = bytes.fromhex("0101000020E6100000")  # little-endian Point, SRID 4326 follows
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text: str) -> str:
    """A value as COPY's text format needs it (backslash, tab and line breaks escaped)."""
    return text.translate(_COPY_ESCAPES)


def hex_ewkb(geoms: np.ndarray) -> list[str]:
    """Hex EWKB with SRID 4326 per geometry, as COPY's text format takes it.

    A file of 2D points (the common bulk load) is encoded from its coordinate array in one
    go, several times faster than GEOS writing each point; anything else goes through GEOS.
    """
    types = shapely.get_type_id(geoms)
    if len(geoms) and (types == 0).all() and not shapely.has_z(geoms).any():
        xy = shapely.get_coordinates(geoms)
        if len(xy) == len(geoms):  # no empty point among them
            rows = np.empty((len(xy), 25), dtype=np.uint8)
            rows[:, :9] = np.frombuffer(EWKB_POINT_4326, dtype=np.uint8)
            rows[:, 9:] = xy.astype("<f8").view(np.uint8).reshape(-1, 16)
            text = rows.tobytes().hex().upper()
            return [text[i : i + 50] for i in range(0, len(text), 50)]
    return shapely.to_wkb(shapely.set_srid(geoms, 4326), hex=True, include_srid=True).tolist()


class Store:
    """Stage, plan and write one import; `sql` is the dialect's module of statements."""

    def __init__(self, session: Session, owner_id: int, actor: Actor, request_id, now):
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.sql = sql_postgres if self.postgres else sql_sqlite
        stamp = now if self.postgres else now.astimezone(dt.UTC).strftime(SQLITE_TIME)
        self.params = {"owner": owner_id, "now": stamp, "actor": actor.name, "rid": request_id}
        self.dbapi = session.connection().connection.dbapi_connection
        self.deleted: list[int] = []
        # Defer the asset table's secondary indexes whatever the batch's size (PostGIS).
        self.rebuild_spatial_index = False
        self.deferred: dict[str, list[str]] = {}

    def _run(self, statement: str) -> sa.CursorResult:
        started = time.monotonic()
        result = self.session.execute(sa.text(statement), self.params)
        log.debug("%.2f s: %s", time.monotonic() - started, " ".join(statement.split())[:60])
        return result

    def stage(self, valid: Validated) -> None:
        """The valid features into the staging table."""
        self._drop_sqlite_tables()
        self._run(self.sql.STAGING)
        if self.postgres:
            self.tune()
            self._copy(valid)
        else:
            # The spatial index (an R*Tree filled by triggers, row by row) and the unique
            # index of a million-row owner do not fit SQLite's default 2 MB page cache.
            self._run(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
            self._insert(valid)
            self._run(sql_sqlite.STAGED_INDEX)

    def tune(self) -> None:
        """PostGIS: settings for this transaction's big one-off statements."""
        # JIT compiling these one-off statements costs more (~1 s) than it saves; sorts
        # and hashes of a million rows fit in memory.
        self._run("SET LOCAL jit = off")
        self._run("SET LOCAL work_mem = '256MB'")
        self._run("SET LOCAL maintenance_work_mem = '256MB'")  # deferred index builds

    def _copy(self, valid: Validated) -> None:
        tails = [
            f"{v.kind}\t{v.status}\t{v.sensitivity}\t{copy_escape(v.attributes)}\t"
            f"{copy_escape(v.capacity)}\n"
            if v
            else ""  # an invalid group: none of its features is staged
            for v in valid.values
        ]
        geoms = hex_ewkb(valid.geoms)
        with self.dbapi.cursor() as cur, cur.copy(self.sql.COPY_STAGED) as copy:
            for lo in range(0, len(valid), COPY_CHUNK):
                hi = min(lo + COPY_CHUNK, len(valid))
                rows = zip(
                    valid.number[lo:hi].tolist(),
                    valid.refs[lo:hi],
                    geoms[lo:hi],
                    valid.group[lo:hi].tolist(),
                    strict=True,
                )
                lines = [f"{n}\t{copy_escape(r)}\t{g}\t{tails[t]}" for n, r, g, t in rows]
                copy.write("".join(lines))

    def _insert(self, valid: Validated) -> None:
        heads = [(v.kind, v.status, v.sensitivity) if v else () for v in valid.values]
        tails = [(v.attributes, v.capacity) if v else () for v in valid.values]
        geoms = shapely.to_wkb(valid.geoms)
        columns = (valid.number.tolist(), valid.refs, geoms.tolist(), valid.group.tolist())
        rows = zip(*columns, strict=True)
        cur = self.dbapi.cursor()
        cur.executemany(
            sql_sqlite.INSERT_STAGED,
            ((n, r, *heads[t], g, *tails[t]) for n, r, g, t in rows),
        )
        cur.close()

    def plan(self) -> Counter:
        """Compare the staged features with the registry; returns the count per op."""
        if not self.postgres:
            self.params["base"] = self._run("SELECT coalesce(max(id), 0) FROM asset").scalar()
        self._run(self.sql.PLAN)
        if not self.postgres:
            self._run(sql_sqlite.PLAN_INDEX)
        return Counter(dict(self._run("SELECT op, count(*) FROM import_plan GROUP BY op").all()))

    def updates_of(self, asset_ids: list[int]) -> list[tuple]:
        """(n, owner_ref, asset id, capacity JSON) of the planned updates of these assets."""
        if not asset_ids:
            return []
        ids = ", ".join(str(int(i)) for i in asset_ids)
        stmt = (
            "SELECT n, owner_ref, id, capacity FROM import_plan "
            f"WHERE op = 'update' AND id IN ({ids})"
        )
        return list(self._run(stmt).all())

    def refuse(self, numbers: list[int]) -> None:
        """Feature numbers that must not be written after all (held capacity)."""
        for lo in range(0, len(numbers), 500):
            chunk = ", ".join(str(int(n)) for n in numbers[lo : lo + 500])
            self._run(f"UPDATE import_plan SET op = 'rejected' WHERE n IN ({chunk})")

    def missing(self) -> list[tuple[int, str]]:
        """(id, owner_ref) of the owner's assets that no staged feature names."""
        stmt = (
            "SELECT a.id, a.owner_ref FROM asset a WHERE a.owner_id = :owner AND NOT EXISTS "
            "(SELECT 1 FROM import_staged s WHERE s.owner_ref = a.owner_ref) ORDER BY a.id"
        )
        return [tuple(row) for row in self._run(stmt).all()]

    def write(self) -> None:
        """Audit, then insert and update the assets and their capacity."""
        sql = self.sql
        statements = [
            sql.AUDIT_WRITES, sql.INSERT_CREATED, sql.UPDATE_CHANGED, sql.DELETE_CAPACITY,
            sql.INSERT_CAPACITY,
        ]  # fmt: skip
        for statement in statements:
            self._run(statement)

    def defer_indexes(self, writes: int, deletes: int) -> None:
        """PostGIS: drop the secondary indexes and foreign keys of the tables `writes` rows
        are large for."""
        if not self.postgres or not writes + deletes:
            return
        for table in DEFERRED_TABLES:
            if table == "capacity" and deletes:
                continue  # its key's ON DELETE CASCADE must fire while assets are deleted
            forced = table == "asset" and self.rebuild_spatial_index
            if forced or deferred.large(self.session, table, writes + deletes):
                self.deferred[table] = deferred.drop(self.session, table)

    def rebuild(self, *tables: str) -> None:
        """Restore the deferred indexes and keys of these tables (after their last write)."""
        for table in tables:
            deferred.restore(self.session, self.deferred.pop(table, []))

    def delete(self, ids: list[int]) -> None:
        """Delete these assets (capacity cascades), audited with their snapshots."""
        self._run(self.sql.DOOMED)
        insert = sa.text("INSERT INTO import_doomed (id) VALUES (:id)")
        self.session.execute(insert, [{"id": i} for i in ids])
        self._run(self.sql.AUDIT_DELETES)
        self._run(self.sql.DELETE_DOOMED)
        self.deleted = ids

    def _drop_sqlite_tables(self) -> None:
        # SQLite's temp tables live as long as the (pooled) connection, not the transaction.
        if not self.postgres:
            for table in ("import_staged", "import_plan", "import_doomed"):
                self._run(sql_sqlite.DROP.format(table))

    def discard(self) -> None:
        """After the commit: free SQLite's staging tables (PostgreSQL dropped them on commit)."""
        if not self.postgres:
            self._drop_sqlite_tables()
            self.session.commit()

    def finish(self) -> None:
        """Append the change feed, in file order, right before the commit."""
        lock_feed(self.session)
        self._run(self.sql.FEED_WRITES)
        if self.deleted:
            self._run(self.sql.FEED_DELETES)
