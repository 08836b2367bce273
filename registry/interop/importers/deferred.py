"""A big import's secondary indexes and keys on PostGIS: dropped, then restored once.

Inserting every row into every index of a live table, and checking every row's foreign key
with its own query (`SELECT ... FOR KEY SHARE`, run by a trigger per row), is most of a big
load's cost: profiled, the owner check alone was half of the asset insert once the indexes
were deferred. One sorted index build after the load, and one set-based validation of the
whole table when the constraint is added back, cost a fraction of that, but they read the
whole table, and dropping takes an exclusive lock on it until the import commits: readers
wait. So a table's indexes and foreign keys are deferred only when the batch is at least as
large as the table already is (a first national load), never for a small import into a big
registry; and when a lock is not granted within LOCK_TIMEOUT (another transaction is using
the table) the import keeps them and goes on. Primary keys and unique constraints are
deferred too (the plan is made before they are dropped, and the lock keeps other writers
out until they are back), except those a foreign key refers to (the asset's id). Adding a
unique constraint back builds its index and checks every row, as adding a foreign key back
does, so integrity holds as before; and it is all in the import's transaction: a failed or
killed import leaves the schema as it was.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

MIN_ROWS = 20_000  # below this, the load is quick anyway: never lock a table for it
LOCK_TIMEOUT = "2s"
LOCK_NOT_AVAILABLE = "55P03"
# (drop statement, restore statement) of each non-unique index, each foreign key, and each
# primary key or unique constraint that no foreign key refers to (asset's own key stays).
DEFERRABLE = """
SELECT format('DROP INDEX %I', c.relname), pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = CAST(:table AS regclass) AND NOT i.indisunique AND NOT i.indisprimary
UNION ALL
SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', CAST(:table AS text), conname),
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', CAST(:table AS text), conname,
              pg_get_constraintdef(oid))
FROM pg_constraint c WHERE conrelid = CAST(:table AS regclass) AND (contype = 'f' OR
    contype IN ('p', 'u') AND NOT EXISTS (
        SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid))
"""


def large(session: Session, table: str, batch: int) -> bool:
    """True when `batch` new rows are at least MIN_ROWS and at least as many as `table` holds."""
    if batch < MIN_ROWS:
        return False
    # Counting at most `batch` + 1 rows: a bounded scan, whatever the table's size.
    stmt = sa.text(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT :limit) t")
    return session.execute(stmt, {"limit": batch + 1}).scalar() <= batch


def drop(session: Session, table: str) -> list[str]:
    """Drop the table's non-unique indexes and foreign keys; returns the statements that
    restore them (indexes first). Nothing is dropped, and [] returned, when the table's lock
    is not granted in time."""
    found = sorted(session.execute(sa.text(DEFERRABLE), {"table": table}).all())
    if not found:
        return []
    before = session.execute(sa.text("SELECT current_setting('lock_timeout')")).scalar()
    try:
        with session.begin_nested():
            session.execute(sa.text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            for dropping, _ in found:
                session.execute(sa.text(dropping))
    except sa.exc.OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            raise
        log.warning("%s is in use: its indexes and keys are kept and maintained row by row", table)
        return []
    finally:
        session.execute(sa.text("SELECT set_config('lock_timeout', :v, true)"), {"v": before})
    log.info("deferred %d indexes and keys of %s until the load is done", len(found), table)
    return sorted((restore for _, restore in found), key=_restore_order)


def _restore_order(statement: str) -> tuple[bool, bool]:
    """Indexes first, then primary keys and unique constraints, then foreign keys."""
    return statement.startswith("ALTER"), "FOREIGN KEY" in statement


def restore(session: Session, statements: list[str]) -> None:
    """Build the dropped indexes again and add the keys back (which checks every row)."""
    for statement in statements:
        session.execute(sa.text(statement))
