"""The PostGIS writer: COPY each batch into temp staging tables, then INSERT ... SELECT / UPDATE.

Audit rows and, at the end, the change feed go straight in with COPY as well. Rows arrive
already formatted for COPY's text format (by the validating workers, in parallel); only the
ids are added here. Everything happens on the import's own connection and transaction: a
killed import leaves nothing.
"""

from __future__ import annotations

from registry.interop.importers.prepare import Staged, copy_escape
from registry.interop.importers.writer import Writer

STAGING = """
CREATE TEMP TABLE IF NOT EXISTS import_asset (
    id integer, op text, owner_ref text, kind text, status text, sensitivity text,
    wkb bytea, attributes json) ON COMMIT DROP;
CREATE TEMP TABLE IF NOT EXISTS import_capacity (
    asset_id integer, resource text, total integer, unit_heights json) ON COMMIT DROP;
"""
INSERT_CREATED = """
INSERT INTO asset (id, owner_id, owner_ref, kind, status, sensitivity, geom, attributes,
                   created_at, updated_at)
SELECT id, %(owner)s, owner_ref, kind, status, sensitivity, ST_GeomFromWKB(wkb, 4326),
       attributes, %(now)s, %(now)s
FROM import_asset WHERE op = 'create' ORDER BY id
"""
UPDATE_CHANGED = """
UPDATE asset AS a SET kind = s.kind, status = s.status, sensitivity = s.sensitivity,
       geom = ST_GeomFromWKB(s.wkb, 4326), attributes = s.attributes, updated_at = %(now)s
FROM import_asset AS s WHERE s.op = 'update' AND a.id = s.id
"""
DELETE_CAPACITY = """
DELETE FROM capacity AS c USING import_asset AS s WHERE s.op = 'update' AND c.asset_id = s.id
"""
INSERT_CAPACITY = """
INSERT INTO capacity (asset_id, resource, total, unit_heights)
SELECT asset_id, resource, total, unit_heights FROM import_capacity
"""
AUDIT_COLUMNS = "at, actor, request_id, object_type, object_id, action, before, after"
NULL = "\\N"


class CopyWriter(Writer):
    """COPY + set-based SQL on PostgreSQL; ids are drawn from the asset sequence up front."""

    def __init__(self, *args):
        super().__init__(*args)
        with self.dbapi.cursor() as cur:
            cur.execute(STAGING)
        rid = NULL if self.request_id is None else copy_escape(self.request_id)
        self._audit_head = f"{self.now.isoformat()}\t{copy_escape(self.actor.name)}\t{rid}\tasset"

    def _new_ids(self, n: int) -> list[int]:
        if n == 0:
            return []
        with self.dbapi.cursor() as cur:
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence('asset', 'id')) FROM generate_series(1, %s)",
                (n,),
            )
            return [row[0] for row in cur.fetchall()]

    def _copy(self, cur, statement: str, lines: list[str]) -> None:
        if lines:
            with cur.copy(statement) as copy:
                copy.write("".join(lines))

    def _store(self, rows: list[Staged]) -> None:
        params = {"owner": self.owner_id, "now": self.now}
        with self.dbapi.cursor() as cur:
            cur.execute("TRUNCATE import_asset, import_capacity")
            assets = [f"{s.asset_id}\t{s.op}\t{s.copy_asset}\n" for s in rows]
            caps = [f"{s.asset_id}\t{r}\t{t}\t{h}\n" for s in rows for r, t, h in s.capacity]
            self._copy(cur, "COPY import_asset FROM STDIN", assets)
            self._copy(cur, "COPY import_capacity FROM STDIN", caps)
            if any(s.op == "create" for s in rows):
                cur.execute(INSERT_CREATED, params)
            if any(s.op == "update" for s in rows):
                cur.execute(UPDATE_CHANGED, params)
                cur.execute(DELETE_CAPACITY)
            cur.execute(INSERT_CAPACITY)

    def _audit_staged(self, rows: list[Staged], befores: dict) -> None:
        lines = []
        for s in rows:
            before = befores.get(s.asset_id)
            before = NULL if before is None else copy_escape(before)
            lines.append(f"{self._audit_head}\t{s.asset_id}\t{s.op}\t{before}\t{s.copy_after}\n")
        with self.dbapi.cursor() as cur:
            self._copy(cur, f"COPY audit_log ({AUDIT_COLUMNS}) FROM STDIN", lines)

    def _delete(self, ids: list[int]) -> None:
        with self.dbapi.cursor() as cur:
            cur.execute("DELETE FROM asset WHERE id = ANY(%s)", (ids,))

    def _insert_audit(self, rows: list[tuple]) -> None:
        with (
            self.dbapi.cursor() as cur,
            cur.copy(f"COPY audit_log ({AUDIT_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)

    def _append_feed(self, feed: list[tuple[int, str]]) -> None:
        at = self.now.isoformat()
        with self.dbapi.cursor() as cur:
            lines = [f"{asset_id}\tasset\t{op}\t{at}\n" for asset_id, op in feed]
            self._copy(cur, "COPY change_feed (asset_id, entity, op, at) FROM STDIN", lines)
