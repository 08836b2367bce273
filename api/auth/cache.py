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
from registry.access.token_feed import FEED_CHECK, read_feed  # noqa: F401  (tests note it)
from registry.access.tokens import authenticate, hash_token
from registry.db.engine import read_only
from registry.db.uow import Actor
from registry.errors import Unauthenticated

MAX_ENTRIES = 10_000  # a bound on memory when many tokens are in use


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
        self._local = threading.local()

    @property
    def last_seq(self) -> int | None:
        """The newest seq this thread's last `actor()` read."""
        return getattr(self._local, "seq", None)

    def check_feed(self) -> int:
        """One read: drop the cache when a token changed (or the feed went back). Returns
        the newest seq it read (0 for an empty feed)."""
        since = self._seen_seq
        mark = self._mark()
        newest, token_change = read_feed(self._engine, since or 0)
        newest = newest or 0
        rewound = self._on_feed(newest, mark) or (since is not None and newest < since)
        with self._lock:
            if since is None or token_change is not None or rewound:
                self._drop_locked()
            self._seen_seq = newest
        return newest

    def _drop_locked(self) -> None:
        self._entries.clear()
        self._generation += 1

    def actor(self, session_factory, token: str) -> Actor:
        """The actor for this bearer token (cached), or raise Unauthenticated. The newest
        feed seq read on the way is left in `last_seq` for the caller (one thread's)."""
        self._local.seq = self.check_feed()
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
    session = read_only(session_factory(), each_statement=True)
    try:
        actor = authenticate(session, token)
        expires_at = session.scalar(
            sa.select(ApiToken.expires_at).where(ApiToken.token_hash == hash_token(token))
        )
    finally:
        session.close()
    if expires_at is None:
        raise Unauthenticated("a valid bearer token is required")
    return actor, expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=dt.UTC)
