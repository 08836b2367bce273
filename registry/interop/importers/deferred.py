"""A big import's secondary indexes on PostGIS: dropped before the load, built once after it.

Inserting every row into every index of a live table is most of a big load's cost (the GiST
of asset.geom, the kind and owner indexes, the audit and feed lookups); one sorted build
after the load is about three times cheaper per row, but it reads the whole table, and
`DROP INDEX` locks the table (ACCESS EXCLUSIVE) until the import commits: readers wait. So
a table's indexes are deferred only when the batch is at least as large as the table already
is (a first national load), never for a small import into a big registry; and when the lock
cannot be had within LOCK_TIMEOUT (another transaction is using the table) the import keeps
the indexes and goes on. Unique indexes stay: the plan and the constraints need them. It is
all in the import's transaction: a failed or killed import leaves the indexes as they were.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

MIN_ROWS = 20_000  # below this, the load is quick anyway: never lock a table for it
LOCK_TIMEOUT = "2s"
LOCK_NOT_AVAILABLE = "55P03"
INDEXES = """
SELECT c.relname, pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisunique AND NOT i.indisprimary
ORDER BY c.relname
"""


def large(session: Session, table: str, batch: int) -> bool:
    """True when `batch` new rows are at least MIN_ROWS and at least as many as `table` holds."""
    if batch < MIN_ROWS:
        return False
    # Counting at most `batch` + 1 rows: a bounded scan, whatever the table's size.
    stmt = sa.text(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT :limit) t")
    return session.execute(stmt, {"limit": batch + 1}).scalar() <= batch


def drop(session: Session, table: str) -> list[tuple[str, str]]:
    """Drop the table's non-unique indexes; returns (name, CREATE statement) to rebuild them.

    Nothing is dropped (and [] returned) when the table's lock is not granted in time.
    """
    indexes = [tuple(row) for row in session.execute(sa.text(INDEXES), {"table": table})]
    if not indexes:
        return []
    before = session.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar()
    try:
        with session.begin_nested():
            session.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            for name, _ in indexes:
                session.execute(sa.text(f'DROP INDEX "{name}"'))
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        log.warning("%s is in use: its indexes are kept and maintained row by row", table)
        return []
    finally:
        session.execute(sa.text("SELECT set_config('lock_timeout', :v, true)"), {"v": before})
    log.info("deferred %d indexes of %s until the load is done", len(indexes), table)
    return indexes


def rebuild(session: Session, indexes: list[tuple[str, str]]) -> None:
    """Build the dropped indexes again, from their own definitions."""
    for _, create in indexes:
        session.execute(sa.text(create))
