"""Per-process cache of authenticated actors, invalidated through the change feed.

Authenticating a token takes three reads (token, roles, grants). Each process keeps the
answer for `AUTH_CACHE_TTL_S` seconds. Revoking a token appends an `api_token` entry to
the change feed; before every cached answer is used, one read (two index lookups: the
newest seq, and the newest token entry since the last seq this process saw) tells whether
any token was revoked since (then the whole cache is dropped: revocations are rare). So a
revoked token stops working at once in every worker, and a warm request costs that one read
instead of three. Actors holding access grants are not cached (a grant changes without a feed
entry); roles an organisation gains are seen within the TTL.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registry.access.models import ApiToken
from registry.access.tokens import authenticate, hash_token
from registry.db.engine import WRITE_OPTION
from registry.db.uow import Actor
from registry.errors import Unauthenticated

TOKEN_ENTITY = "api_token"
MAX_ENTRIES = 10_000  # a bound on memory when many tokens are in use


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
            conn.invalidate(exc)
        raise sa.exc.DBAPIError.instance(
            sql, None, exc, dialect.loaded_dbapi.Error, connection_invalidated=gone, dialect=dialect
        ) from exc
    finally:
        if conn is not None:
            conn.close()


class AuthCache:
    """Cached `authenticate`: `actor(session_factory, token)` -> Actor or Unauthenticated."""

    def __init__(
        self, engine: Engine, ttl_s: float = 10.0, on_feed=None, mark=lambda: None
    ) -> None:
        self._engine = engine
        self.ttl_s = ttl_s
        # on_feed(newest seq, mark() taken before the read) is called after every check; it
        # returns True when the feed went back (a restore), and then the cache is dropped too.
        self._on_feed = on_feed or (lambda newest, mark: False)
        self._mark = mark
        self._entries: dict[str, tuple[Actor, float]] = {}
        self._seen_seq: int | None = None
        self._generation = 0  # bumped on every drop, so a stale answer is never stored
        self._lock = threading.Lock()

    def check_feed(self) -> None:
        """One read: drop the cache when a token changed (or the feed went back)."""
        since = self._seen_seq
        mark = self._mark()
        newest, token_change = read_feed(self._engine, since or 0)
        newest = newest or 0
        rewound = self._on_feed(newest, mark) or (since is not None and newest < since)
        with self._lock:
            if since is None or token_change is not None or rewound:
                self._drop_locked()
            self._seen_seq = newest

    def _drop_locked(self) -> None:
        self._entries.clear()
        self._generation += 1

    def actor(self, session_factory, token: str) -> Actor:
        """The actor for this bearer token (cached), or raise Unauthenticated."""
        self.check_feed()
        if self.ttl_s <= 0:
            return _authenticate(session_factory, token)[0]
        key = hash_token(token)
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        generation = self._generation
        actor, expires_at = _authenticate(session_factory, token)
        left = (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
        if actor.grants:
            # Grants are revoked or shortened without a feed entry: an actor holding any is
            # read afresh every time, so a withdrawn grant never outlives its row.
            return actor
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (actor, now + min(self.ttl_s, left))
        return actor


def _authenticate(session_factory, token: str) -> tuple[Actor, dt.datetime]:
    """(actor, the token's expiry), read in one short read-only session."""
    session = session_factory()
    try:
        session.connection(execution_options={WRITE_OPTION: False})
        actor = authenticate(session, token)
        expires_at = session.scalar(
            sa.select(ApiToken.expires_at).where(ApiToken.token_hash == hash_token(token))
        )
    finally:
        session.close()
    if expires_at is None:
        raise Unauthenticated("a valid bearer token is required")
    return actor, expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=dt.UTC)
