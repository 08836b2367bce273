"""Engines and sessions for both backends: SQLite + SpatiaLite (embedded) and PostGIS."""

from __future__ import annotations

import logging
import os

# pyproj must be loaded before mod_spatialite: both bring a libproj, and loading
# SpatiaLite's first makes the process abort at exit ("double free or corruption").
import pyproj  # noqa: F401
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 60_000
# Execution option: False marks a read-only transaction (a deferred BEGIN on SQLite).
WRITE_OPTION = "infrashare_write"


def is_sqlite(engine_or_url) -> bool:
    """True when the engine (or URL string) points at SQLite/SpatiaLite."""
    url = engine_or_url.url if hasattr(engine_or_url, "url") else sa.make_url(engine_or_url)
    return url.get_backend_name() == "sqlite"


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine for a SpatiaLite or PostGIS URL, with the backend's set-up applied."""
    if is_sqlite(url):
        return _make_spatialite_engine(url, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 40)
    return sa.create_engine(url, **kwargs)


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
        immediate = conn.get_execution_options().get(WRITE_OPTION, True)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory whose objects stay readable after commit (services return them)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def read_only(session: Session) -> Session:
    """Mark the session's transaction read-only: on SQLite it then never takes the write lock."""
    session.connection(execution_options={WRITE_OPTION: False})
    return session
