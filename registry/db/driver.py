"""Hot reads straight on the driver: a statement compiled once, run on a pooled DBAPI
connection, rows as the driver's tuples; driver errors come out as SQLAlchemy's.

SQLAlchemy's execution context and Row objects cost ~0.4 ms for a near list's one-trip
query (~90 rows of 23 columns): a third of what the query costs the process in all. The
parameters are made as SQLAlchemy makes them (its bind processors: SQLite's text times).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement compiled for one dialect: its SQL and how its parameters are made."""

    sql: str
    compiled: object  # sqlalchemy's SQLCompiler
    order: tuple[str, ...] | None  # parameter names in order, for a positional paramstyle

    def parameters(self, values: dict):
        """The DBAPI parameters for these values (literal binds filled in, processed)."""
        params = self.compiled.construct_params(values)
        for name, process in self.compiled._bind_processors.items():
            if name in params:
                params[name] = process(params[name])
        return params if self.order is None else [params[name] for name in self.order]


def prepare(stmt: sa.Select, dialect) -> Prepared | None:
    """`stmt` compiled for `dialect`, or None when its SQL varies with the values (an
    expanding IN, a literal LIMIT): those run through SQLAlchemy."""
    compiled = stmt.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        return None
    order = tuple(compiled.positiontup) if compiled.positional else None
    return Prepared(str(compiled), compiled, order)


def fetch_all(connection: sa.Connection, prepared: Prepared, values: dict) -> list[tuple]:
    """Every row of the prepared statement on the connection, in its transaction if any."""
    dialect, params = connection.dialect, prepared.parameters(values)
    fairy = connection.connection
    try:
        # psycopg: rows in binary, the same values (bytea is not hex to decode, numbers and
        # times not text to parse): ~35 us less of a near list's one-trip query.
        binary = dialect.name == "postgresql"
        cursor = fairy.cursor(binary=True) if binary else fairy.cursor()
        try:
            cursor.execute(prepared.sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()
    except dialect.loaded_dbapi.Error as exc:
        raise as_sqlalchemy_error(connection.engine, fairy, prepared.sql, exc) from exc


def leave_autocommit(fairy, driver_error, invalidate) -> None:
    """Take a pooled PostgreSQL connection that a read put in autocommit out of it, before it
    goes back to the pool (the next unit of work on it is one transaction again); when it
    refuses, it is broken: `invalidate` it, so the pool does not reuse it. `fairy`: the
    pooled connection; `invalidate`: how its holder invalidates it (the fairy's own, or the
    SQLAlchemy Connection's, which then skips its rollback at close)."""
    if fairy.is_valid:
        try:
            fairy.driver_connection.autocommit = False
        except driver_error:
            invalidate()


def as_sqlalchemy_error(engine, fairy, sql: str, exc: Exception) -> sa.exc.DBAPIError:
    """The driver's error as SQLAlchemy raises it (`fairy`: the pooled connection, if one
    was had); on a lost connection the whole pool is
    invalidated first, as SQLAlchemy does (its other connections died with this one, and
    checkouts do not ping them: registry.db.engine), so a dead database is a 503."""
    dialect = engine.dialect
    gone = dialect.is_disconnect(exc, None if fairy is None else fairy.dbapi_connection, None)
    if gone and fairy is not None:
        engine.pool._invalidate(fairy, exc)
    return sa.exc.DBAPIError.instance(
        sql, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
    )
