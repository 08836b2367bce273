"""A rate-limit store in a small SQLite file, shared by every worker process on the host.

Flask-Limiter's `memory://` store is per process, so with N gunicorn workers a client got N
times its budget. This store (URI `sqlitefile:///path/to/file`) keeps fixed-window counters in
one WAL-mode SQLite file: one UPSERT per request (~tens of µs), no server to run. Several
hosts behind one balancer need a network store instead (`redis://...` works as is).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time

from limits.storage import Storage

SCHEMA = "CREATE TABLE IF NOT EXISTS hits (key TEXT PRIMARY KEY, n INTEGER, expires REAL)"
INCR = """
INSERT INTO hits (key, n, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
  n = CASE WHEN hits.expires <= :now THEN excluded.n ELSE hits.n + excluded.n END,
  expires = CASE WHEN hits.expires <= :now THEN excluded.expires ELSE hits.expires END
RETURNING n
"""
PURGE_EVERY = 5000  # increments between deletions of expired windows


class SqliteFileStorage(Storage):
    """Fixed-window counters in a SQLite file (limits' Storage interface)."""

    STORAGE_SCHEME = ["sqlitefile"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = uri.split("://", 1)[1] or ":memory:"
        self._local = threading.local()
        self._count = 0

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        # One connection per thread and per process: a connection must not cross a fork.
        conn = getattr(self._local, "conn", None)
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=5, isolation_level=None)
            conn.execute("PRAGMA journal_mode = WAL")
            # Losing a few counts in a power cut is fine; an fsync per request is not.
            conn.execute("PRAGMA synchronous = OFF")
            conn.execute(SCHEMA)
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        self._count += 1
        if self._count % PURGE_EVERY == 0:
            db.execute("DELETE FROM hits WHERE expires <= ?", (now,))
        args = {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        return db.execute(INCR, args).fetchone()[0]

    def get(self, key: str) -> int:
        row = (
            self._db()
            .execute("SELECT n FROM hits WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM hits WHERE key = ?", (key,)).fetchone()
        return row[0] if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._db().execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._db().execute("DELETE FROM hits WHERE key = ?", (key,))
