"""Storing staged features inside the import's one transaction, with change feed and audit.

The same rules as registry.inventory.assets: every created, updated or deleted asset gets a
change-feed row (appended last, under registry.db.uow.lock_feed) and an audit row with its
before/after snapshots. The SQL differs per backend: batched executemany on SpatiaLite here,
COPY through a staging table on PostGIS in registry.interop.importers.copy_writer.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.db.uow import Actor, lock_feed
from registry.interop.importers.known import snapshots_of
from registry.interop.importers.prepare import Staged

log = logging.getLogger(__name__)

SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite


class Writer:
    """Base: assigns ids, builds audit rows and collects the feed; subclasses write SQL."""

    def __init__(self, session: Session, owner_id: int, actor: Actor, request_id, now):
        self.session = session
        self.owner_id = owner_id
        self.actor = actor
        self.request_id = request_id
        self.now = now
        self.dbapi = session.connection().connection.dbapi_connection
        self.feed: list[tuple[int, str]] = []

    def write(self, staged: list[Staged]) -> None:
        """Store the created and updated rows of one batch (unchanged rows are skipped)."""
        rows = [s for s in staged if s.op != "unchanged"]
        if not rows:
            return
        ids = iter(self._new_ids(sum(s.op == "create" for s in rows)))
        rows = [s._replace(asset_id=next(ids)) if s.op == "create" else s for s in rows]
        befores = snapshots_of(self.session, [s.asset_id for s in rows if s.op == "update"])
        self._store(rows)
        self._audit_staged(rows, befores)
        self.feed.extend((s.asset_id, s.op) for s in rows)

    def delete(self, ids: list[int]) -> None:
        """Delete these assets (their capacity rows cascade), audited with their snapshots."""
        befores = snapshots_of(self.session, ids)
        self._delete(ids)
        self._audit([(i, "delete", befores.get(i), None) for i in ids])
        self.feed.extend((i, "delete") for i in ids)

    def finish(self) -> None:
        """Append the change feed, in file order, right before the commit."""
        if self.feed:
            lock_feed(self.session)
            self._append_feed(self.feed)

    def _audit_row(self, asset_id, action, before, after) -> tuple:
        return (
            self._time(),
            self.actor.name,
            self.request_id,
            "asset",
            str(asset_id),
            action,
            before,
            after,
        )

    def _audit_staged(self, rows: list[Staged], befores: dict) -> None:
        self._audit([(s.asset_id, s.op, befores.get(s.asset_id), s.after) for s in rows])

    def _audit(self, entries) -> None:
        self._insert_audit([self._audit_row(*e) for e in entries])

    def _time(self):
        return self.now

    # The dialect's part.
    def _new_ids(self, n: int) -> list[int]:
        raise NotImplementedError

    def _store(self, rows: list[Staged]) -> None:
        raise NotImplementedError

    def _delete(self, ids: list[int]) -> None:
        raise NotImplementedError

    def _insert_audit(self, rows: list[tuple]) -> None:
        raise NotImplementedError

    def _append_feed(self, feed: list[tuple[int, str]]) -> None:
        raise NotImplementedError


class SqliteWriter(Writer):
    """Batched executemany; SQLite already holds the write lock (BEGIN IMMEDIATE)."""

    def __init__(self, *args):
        super().__init__(*args)
        self._next_id = None
        self._stamp = self.now.astimezone(dt.UTC).strftime(SQLITE_TIME)

    def _time(self):
        return self._stamp

    def _new_ids(self, n: int) -> list[int]:
        if self._next_id is None:
            top = self.session.execute(sa.text("SELECT coalesce(max(id), 0) FROM asset"))
            self._next_id = top.scalar() + 1
        start, self._next_id = self._next_id, self._next_id + n
        return list(range(start, start + n))

    def _store(self, rows: list[Staged]) -> None:
        cur, t = self.dbapi.cursor(), self._stamp
        cur.executemany(
            "INSERT INTO asset (id, owner_id, owner_ref, kind, status, sensitivity, geom, "
            "attributes, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, GeomFromWKB(?, 4326), ?, ?, ?)",
            [
                (
                    s.asset_id,
                    self.owner_id,
                    s.owner_ref,
                    s.kind,
                    s.status,
                    s.sensitivity,
                    s.wkb,
                    s.attributes,
                    t,
                    t,
                )
                for s in rows
                if s.op == "create"
            ],
        )
        updates = [s for s in rows if s.op == "update"]
        cur.executemany(
            "UPDATE asset SET kind = ?, status = ?, sensitivity = ?, "
            "geom = GeomFromWKB(?, 4326), attributes = ?, updated_at = ? WHERE id = ?",
            [
                (s.kind, s.status, s.sensitivity, s.wkb, s.attributes, t, s.asset_id)
                for s in updates
            ],
        )
        cur.executemany("DELETE FROM capacity WHERE asset_id = ?", [(s.asset_id,) for s in updates])
        cur.executemany(
            "INSERT INTO capacity (asset_id, resource, total, unit_heights) VALUES (?, ?, ?, ?)",
            [(s.asset_id, *cap) for s in rows for cap in s.capacity],
        )
        cur.close()

    def _delete(self, ids: list[int]) -> None:
        cur = self.dbapi.cursor()
        cur.executemany("DELETE FROM asset WHERE id = ?", [(i,) for i in ids])
        cur.close()

    def _insert_audit(self, rows: list[tuple]) -> None:
        cur = self.dbapi.cursor()
        cur.executemany(
            "INSERT INTO audit_log (at, actor, request_id, object_type, object_id, action, "
            "before, after) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*r[:6], r[6] or "null", r[7] or "null") for r in rows],
        )
        cur.close()

    def _append_feed(self, feed: list[tuple[int, str]]) -> None:
        cur = self.dbapi.cursor()
        cur.executemany(
            "INSERT INTO change_feed (asset_id, entity, op, at) VALUES (?, 'asset', ?, ?)",
            [(asset_id, op, self._stamp) for asset_id, op in feed],
        )
        cur.close()


def make_writer(session: Session, owner_id: int, actor: Actor, request_id, now) -> Writer:
    """The writer for the session's backend."""
    if session.get_bind().dialect.name == "postgresql":
        from registry.interop.importers.copy_writer import CopyWriter

        return CopyWriter(session, owner_id, actor, request_id, now)
    return SqliteWriter(session, owner_id, actor, request_id, now)
