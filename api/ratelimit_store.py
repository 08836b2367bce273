"""A rate-limit store in a small SQLite file, shared by every worker process on the host.

The `limits` library's `memory://` store is per process, so with N gunicorn workers a client
got N times its budget. This store (URI `sqlitefile:///path/to/file`) keeps fixed-window counters in
one WAL-mode SQLite file: one UPSERT per request (~tens of µs), no server to run. Several
hosts behind one balancer need a network store instead (`redis://...` works as is).

Writers queue on an flock of `<file>.lock`, not on SQLite's own lock: SQLite's busy handler
polls with sleeps that grow to 100 ms, so with 4 workers on 2 busy cores a writer that found
the file locked slept long after it was free (incr p99 ~3 ms, p99.9 tens to hundreds of ms
under the load test). The kernel wakes an flock waiter at the release. Each count is still
the file's, exact across workers (no local batching, no overshoot).

The X-RateLimit headers ask for the window (`get`, then `get_expiry`) right after the
request's `incr` (api.ratelimit): the UPSERT returns the count and the expiry, so that answer
is kept for a moment and the headers cost no query (they show the count as this request left
it).
"""

from __future__ import annotations

import fcntl
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
RETURNING n, expires
"""
PURGE_EVERY = 5000  # increments between deletions of expired windows
FRESH_S = 1.0  # how long a window just counted (or read) answers get (or get_expiry)


def _lock_file(path: str) -> int | None:
    """A descriptor of the lock file beside the store (None for an in-memory store)."""
    if path == ":memory:":
        return None
    return os.open(path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


class _held_lock:
    """flock around one write: waiters are woken the moment it is released."""

    __slots__ = ("fd",)

    def __init__(self, fd: int | None) -> None:
        self.fd = fd

    def __enter__(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


class WindowMemoStorage(Storage):
    """What the file stores share: the window this thread just counted (or read) answers
    the get/get_expiry that limits asks right after, so the headers cost no read.
    A subclass counts in `incr` (then `_remember`s) and reads one window in `_read`."""

    def _remember(self, key: str, n: int, expires: float, counted: bool) -> tuple:
        self._local.window = (key, n, expires, time.monotonic(), counted)
        return self._local.window

    def _read(self, key: str) -> tuple:
        raise NotImplementedError

    def _held(self, key: str, counted: bool) -> tuple | None:
        """The window this thread just counted (or, unless `counted`, read) for this key."""
        held = getattr(self._local, "window", None)
        if held is None or held[0] != key or time.monotonic() - held[3] >= FRESH_S:
            return None
        return held if held[4] or not counted else None

    def get(self, key: str) -> int:
        # A window only read (not counted) here is not reused by the next get(): a check
        # without counting (limits' test()) must see the other workers' counts.
        return (self._held(key, counted=True) or self._read(key))[1]

    def get_expiry(self, key: str) -> float:
        # limits' window stats read get() then get_expiry(): the second reuses the first's
        # window, once.
        held = self._held(key, counted=False) or self._read(key)
        self._local.window = None
        return held[2]


class SqliteFileStorage(WindowMemoStorage):
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
            self._local.lock = _lock_file(self.path)
        return conn

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        db = self._db()
        self._count += 1
        args = {"key": key, "amount": amount, "expires": now + expiry, "now": now}
        with _held_lock(self._local.lock):
            if self._count % PURGE_EVERY == 0:
                db.execute("DELETE FROM hits WHERE expires <= ?", (now,))
            n, expires = db.execute(INCR, args).fetchone()
        self._remember(key, n, expires, counted=True)
        return n

    def _read(self, key: str) -> tuple:
        row = self._db().execute("SELECT n, expires FROM hits WHERE key = ?", (key,)).fetchone()
        now = time.time()
        n, expires = (row[0], row[1]) if row and row[1] > now else (0, row[1] if row else now)
        return self._remember(key, n, expires, counted=False)

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        self._local.window = None
        db = self._db()
        with _held_lock(self._local.lock):
            return db.execute("DELETE FROM hits").rowcount

    def clear(self, key: str) -> None:
        self._local.window = None
        db = self._db()
        with _held_lock(self._local.lock):
            db.execute("DELETE FROM hits WHERE key = ?", (key,))
