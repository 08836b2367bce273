"""The change-feed reads made before requests, straight on a pooled connection: the newest
seq and the newest token change (a revocation) since a seq this process saw (every
authenticated request), or the newest seq alone (the index's catch-up)."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from registry.db.backup import RESTORE_ENTITY
from registry.db.driver import as_sqlalchemy_error, leave_autocommit

TOKEN_ENTITY = "api_token"


# The newest seq, and the newest token change after {since}: two index lookups, one round
# trip. It runs on every authenticated request, so straight on a pooled DBAPI connection:
# SQLAlchemy's connection, transaction and result objects (and SQLite's separate BEGIN) cost
# three times the query. `since` is an int this process read, formatted by %d; nothing else
# varies, so there is no parameter to bind (and no paramstyle to differ between drivers).
FEED_CHECK = (
    "SELECT (SELECT max(seq) FROM change_feed), "
    "(SELECT max(seq) FROM change_feed WHERE seq > %d AND entity IN "
    f"('{TOKEN_ENTITY}', '{RESTORE_ENTITY}'))"
)


NEWEST_SEQ = "SELECT max(seq) FROM change_feed"


def read_feed(engine: Engine, since: int) -> tuple[int | None, int | None]:
    """(newest seq, newest token change after `since`) in one read-only statement."""
    return _read_row(engine, FEED_CHECK % int(since))


def newest_seq(engine: Engine) -> int:
    """The newest change-feed seq (0 for an empty feed): the index's catch-up asks this
    before every query, and the answer is nearly always "nothing new"."""
    return _read_row(engine, NEWEST_SEQ)[0] or 0


def _read_row(engine: Engine, sql: str) -> tuple:
    """The one row of a constant read-only SELECT.

    A single SELECT needs no transaction: autocommit on both backends (the PostgreSQL
    connection goes back to the pool as it came). Driver errors are raised as
    SQLAlchemy's (a lost connection invalidated), so a dead database is still a 503.
    """
    dialect = engine.dialect
    conn = None
    autocommit = dialect.name == "postgresql"
    try:
        conn = engine.raw_connection()
        if autocommit:
            # No implicit BEGIN, so no ROLLBACK when the connection goes back: one round
            # trip instead of three.
            conn.driver_connection.autocommit = True
        cursor = conn.cursor()
        cursor.execute(sql)
        row = cursor.fetchone()
        cursor.close()
        return tuple(row)
    except dialect.loaded_dbapi.Error as exc:
        raise as_sqlalchemy_error(engine, conn, sql, exc) from exc
    finally:
        if conn is not None:
            _give_back(conn, autocommit, dialect.loaded_dbapi.Error)


def _give_back(conn, autocommit: bool, driver_error) -> None:
    """Return the connection to the pool as it came (not in autocommit), or drop it."""
    if autocommit:
        leave_autocommit(conn, driver_error, conn.invalidate)
    conn.close()
