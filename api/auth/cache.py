"""Per-process cache of authenticated actors, invalidated through the change feed.

Authenticating a token takes three reads (token, roles, grants). Each process keeps the
answer for `AUTH_CACHE_TTL_S` seconds. Revoking a token appends an `api_token` entry to
the change feed; before every cached answer is used, one indexed range read of the feed
since the last seq this process saw tells whether any token was revoked since (then the
whole cache is dropped: revocations are rare). So a revoked token stops working at once in
every worker, and a warm request costs that one read instead of three.
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
from registry.inventory.models import Change

TOKEN_ENTITY = "api_token"
MAX_ENTRIES = 10_000  # a bound on memory when many tokens are in use

_FEED_CHECK = sa.select(
    sa.func.max(Change.seq),
    sa.func.max(sa.case((Change.entity == TOKEN_ENTITY, Change.seq))),
)


class AuthCache:
    """Cached `authenticate`: `actor(session_factory, token)` -> Actor or Unauthenticated."""

    def __init__(self, engine: Engine, ttl_s: float = 10.0) -> None:
        self._engine = engine
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[Actor, float]] = {}
        self._seen_seq: int | None = None
        self._generation = 0  # bumped on every drop, so a stale answer is never stored
        self._lock = threading.Lock()

    def _check_feed(self) -> None:
        """One read: the newest seq, and the newest token change after the last one seen."""
        since = self._seen_seq
        stmt = _FEED_CHECK if since is None else _FEED_CHECK.where(Change.seq > since)
        with self._engine.connect().execution_options(**{WRITE_OPTION: False}) as conn:
            newest, token_change = conn.execute(stmt).one()
        with self._lock:
            if since is None or token_change is not None:
                self._drop_locked()
            if newest is not None and (self._seen_seq is None or newest > self._seen_seq):
                self._seen_seq = newest
            elif self._seen_seq is None:
                self._seen_seq = 0

    def _drop_locked(self) -> None:
        self._entries.clear()
        self._generation += 1

    def actor(self, session_factory, token: str) -> Actor:
        """The actor for this bearer token (cached), or raise Unauthenticated."""
        if self.ttl_s <= 0:
            return _authenticate(session_factory, token)[0]
        key = hash_token(token)
        self._check_feed()
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[1] > now:
            return hit[0]
        generation = self._generation
        actor, expires_at = _authenticate(session_factory, token)
        left = (expires_at - dt.datetime.now(dt.UTC)).total_seconds()
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
