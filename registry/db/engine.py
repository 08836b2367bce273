"""Engines and sessions for both backends: SQLite + SpatiaLite (embedded) and PostGIS."""

from __future__ import annotations

import logging
import math
import os
import time
from contextlib import contextmanager

# pyproj must be loaded before mod_spatialite: both bring a libproj, and loading
# SpatiaLite's first makes the process abort at exit ("double free or corruption").
import pyproj  # noqa: F401
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from registry.db.driver import leave_autocommit

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
# A PostgreSQL connection idle in the pool longer than this is pinged at checkout.
PING_IDLE_S = 1.0
# Execution option: False marks a read-only transaction (a deferred BEGIN on SQLite).
WRITE_OPTION = "infrashare_write"
# Execution option of a read-only session on SQLite: no BEGIN at all (read_only).
EACH_STATEMENT_OPTION = "infrashare_each_statement"


def is_sqlite(engine_or_url) -> bool:
    """True when the engine (or URL string) points at SQLite/SpatiaLite."""
    url = engine_or_url.url if hasattr(engine_or_url, "url") else sa.make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for a SpatiaLite or PostGIS URL, with the backend's set-up applied."""
    if is_sqlite(url):
        return _make_spatialite_engine(url, **kwargs)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 40)
    kwargs["connect_args"] = _in_utc(url, kwargs.get("connect_args"))
    engine = sa.create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _in_utc(url, connect_args: dict | None) -> dict:
    """connect_args whose sessions run in UTC: psycopg gives a timestamptz in the session's
    zone, so on a server whose TimeZone is another, times were written with its offset
    (equal instants, other text) where SQLite's are UTC. Sent at connect (no round trip),
    after any options of the URL."""
    args = dict(connect_args or {})
    given = args.get("options", sa.make_url(url).query.get("options", ""))
    args["options"] = f"{given} -c TimeZone=UTC".strip()
    return args


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it sat idle for PING_IDLE_S.

    pool_pre_ping pinged every checkout: a round trip (~30 µs CPU, ~90 µs wall) twice per
    list request. A connection in steady use needs none: if the server restarted under it,
    its next statement fails as a disconnect, which SQLAlchemy (and token_feed.read_feed)
    answer by invalidating the whole pool, so the request is a 503 and the next ones connect
    afresh. An idle connection is the one likely to have been dropped unnoticed.
    """

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", math.inf) < PING_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)  # what pool_pre_ping runs
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool then replaces this connection (and retries the checkout).
            raise sa.exc.DisconnectionError() from exc


def _make_spatialite_engine(url: str, **kwargs) -> Engine:
    # The stdlib sqlite3 of many Pythons cannot load extensions; pysqlite3 always can.
    import pysqlite3.dbapi2 as sqlite_dbapi

    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    engine = sa.create_engine(url, module=sqlite_dbapi, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Take over transaction control, so that every transaction can BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        dbapi_conn.enable_load_extension(True)
        dbapi_conn.load_extension(os.environ["SPATIALITE_LIBRARY_PATH"])
        dbapi_conn.enable_load_extension(False)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        if ":memory:" not in str(url):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        if cur.execute("SELECT CheckSpatialMetaData()").fetchone()[0] < 1:
            cur.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers serialise at BEGIN rather than failing at COMMIT: SQLite's answer to
        # "lock the capacity you touch" is to lock the whole database, briefly. Readers
        # (WAL) begin deferred and never wait for writers.
        options = conn.get_execution_options()
        immediate = options.get(WRITE_OPTION, True)
        if not immediate and options.get(EACH_STATEMENT_OPTION):
            return  # no BEGIN: each SELECT reads its own snapshot (see read_only)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (services return them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


class StatementReads:
    """Reads on one pooled connection, each statement its own transaction (as read_only's
    `each_statement`), answering what a list's reads ask of a Session: get_bind,
    connection, execute, scalar, scalars. Core statements only: nothing here loads ORM
    objects, so the Session, its transaction and identity map are not made (~0.25 ms of
    a near list's CPU, in the request, to open and close)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def get_bind(self) -> Engine:
        return self._conn.engine

    def connection(self) -> sa.Connection:
        return self._conn

    def execute(self, statement, parameters=None):
        return self._conn.execute(statement, parameters)

    def scalar(self, statement, parameters=None):
        return self._conn.scalar(statement, parameters)

    def scalars(self, statement, parameters=None):
        return self._conn.scalars(statement, parameters)


@contextmanager
def statement_reads(engine: Engine):
    """StatementReads on a connection of `engine`, given back to the pool on exit.

    On PostgreSQL the driver connection itself is put in autocommit (and taken out of it
    before it goes back), as token_feed's reads do: SQLAlchemy's AUTOCOMMIT isolation level
    sets and resets the same flag through its characteristics machinery, ~20 us a request
    warm and several times that in a request. SQLAlchemy then begins no transaction on the
    server: its own BEGIN is the driver's implicit one, and its ROLLBACK at close finds
    nothing to roll back (psycopg sends nothing when no transaction is open)."""
    with engine.connect() as conn:
        if engine.dialect.name != "postgresql":
            yield StatementReads(conn.execution_options(**_read_options(engine, True)))
            return
        driver = conn.connection.driver_connection
        driver.autocommit = True
        try:
            yield StatementReads(conn.execution_options(**{WRITE_OPTION: False}))
        finally:
            leave_autocommit(conn.connection, engine.dialect.loaded_dbapi.Error, conn.invalidate)


def _read_options(engine: Engine, each_statement: bool) -> dict:
    """Execution options of a read-only connection (see read_only)."""
    options = {WRITE_OPTION: False}
    if each_statement and engine.dialect.name == "postgresql":
        options["isolation_level"] = "AUTOCOMMIT"
    elif each_statement:
        options[EACH_STATEMENT_OPTION] = True
    return options


def read_only(session: Session, each_statement: bool = False) -> Session:
    """Mark the session's transaction read-only: on SQLite it then never takes the write lock.

    `each_statement`: on PostgreSQL, every statement is its own transaction (autocommit).
    READ COMMITTED gives each statement of a transaction its own snapshot anyway, so reads
    see the same; what goes is a BEGIN and a ROLLBACK, two round trips (~0.5 ms). Not for a
    session that streams (yield_per's server-side cursor needs a transaction) or SETs LOCAL.
    On SQLite likewise no BEGIN is sent (the driver leaves transactions to us, and its
    ROLLBACK at close is then a no-op): each SELECT reads its own WAL snapshot, as each
    PostgreSQL statement does, and the BEGIN cost ~25 us of SQLAlchemy's execution path.
    """
    session.connection(execution_options=_read_options(session.get_bind(), each_statement))
    return session
