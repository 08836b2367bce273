"""The one read every authenticated request makes: the newest change-feed seq, and the
newest token change (a revocation) since a seq this process saw."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

TOKEN_ENTITY = "api_token"


# The newest seq, and the newest token change after {since}: two index lookups, one round
# trip. It runs on every authenticated request, so straight on a pooled DBAPI connection:
# SQLAlchemy's connection, transaction and result objects (and SQLite's separate BEGIN) cost
# three times the query. `since` is an int this process read, formatted by %d; nothing else
# varies, so there is no parameter to bind (and no paramstyle to differ between drivers).
FEED_CHECK = (
    "SELECT (SELECT max(seq) FROM change_feed), "
    f"(SELECT max(seq) FROM change_feed WHERE seq > %d AND entity = '{TOKEN_ENTITY}')"
)


def read_feed(engine: Engine, since: int) -> tuple[int | None, int | None]:
    """(newest seq, newest token change after `since`) in one read-only statement.

    A single SELECT needs no transaction on SQLite (autocommit); PostgreSQL's implicit one
    is rolled back when the connection goes back to the pool. Driver errors are raised as
    SQLAlchemy's (a lost connection invalidated), so a dead database is still a 503.
    """
    dialect, sql = engine.dialect, FEED_CHECK % int(since)
    conn = None
    try:
        conn = engine.raw_connection()
        cursor = conn.cursor()
        cursor.execute(sql)
        row = cursor.fetchone()
        cursor.close()
        return row[0], row[1]
    except dialect.loaded_dbapi.Error as exc:
        raw = None if conn is None else conn.dbapi_connection
        gone = dialect.is_disconnect(exc, raw, None)
        if gone and conn is not None:
            # The whole pool, as SQLAlchemy does on a disconnect: its other connections
            # died with this one, and checkouts do not ping them (registry.db.engine).
            engine.pool._invalidate(conn, exc)
        raise sa.exc.DBAPIError.instance(
            sql, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
        ) from exc
    finally:
        if conn is not None:
            conn.close()
