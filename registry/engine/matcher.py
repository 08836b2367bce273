"""The registry's use of the matching engine: one index per process, typed requests in.

`Matcher` owns the process's AssetIndex (a cache of the database, caught up from the change
feed before every query). It takes the engine's own typed requests (SiteRequest,
RouteRequest: the API's schemas build them from JSON, the workflow from stored build
requests) and returns reports as plain dicts, stamped with the registry seq; the access
module (registry.access.report_visibility) shows each caller only what it may see.
"""

from __future__ import annotations

import itertools
import logging
from contextvars import ContextVar

from sqlalchemy import event

from matching.index import AssetIndex
from matching.kernels_warm import warm_up as warm_up_kernels
from matching.requests import RouteRequest, SiteRequest
from matching.route import match_route
from matching.rules import DEFAULT_COSTS, Costs
from matching.site import match_site
from registry.engine.barriers import BarrierCache
from registry.engine.source import SqlAssetSource

log = logging.getLogger(__name__)

# (newest seq, commits of this process) as read earlier in this request; see FeedSeenSource.
_feed_seen: ContextVar[tuple[int, int] | None] = ContextVar("infrashare_feed_seen", default=None)


class FeedSeenSource:
    """The SQL source, but a catch-up may rely on the change-feed read its request already made.

    An authenticated request reads the newest seq once (api.auth.cache); when the index is
    already at that seq and this process committed nothing since, the catch-up's own read of
    the feed would only say the same again, so it is skipped. Anything committed before the
    request began, or by this process since, is still seen: the guarantee is unchanged.
    """

    def __init__(self, source: SqlAssetSource, engine) -> None:
        self._source = source
        self._commits = itertools.count()
        self.commits = 0
        event.listen(engine, "commit", self._on_commit)

    def _on_commit(self, _conn) -> None:
        self.commits = next(self._commits) + 1

    def __getattr__(self, name):  # snapshot, snapshot_tables, fetch, current_seq
        return getattr(self._source, name)

    def changes_since(self, seq: int) -> tuple[int, list[int] | None]:
        if _feed_seen.get() == (seq, self.commits):
            return seq, []
        return self._source.changes_since(seq)


class Matcher:
    """One engine per process over the registry: match_site / match_route on typed requests."""

    def __init__(self, session_factory, costs: Costs = DEFAULT_COSTS, index=None):
        self._source = None
        if index is None:
            engine = session_factory.kw["bind"]
            self._source = FeedSeenSource(SqlAssetSource(session_factory), engine)
            index = AssetIndex(self._source)
        self.index = index
        self.costs = costs
        self.barriers = BarrierCache(session_factory)  # what new trench pays to cross
        warm_up_kernels()  # JIT (or numba's cache) at start-up, not in the first request

    def feed_mark(self) -> int | None:
        """Take before reading the feed for saw_feed: this process's commits so far."""
        return None if self._source is None else self._source.commits

    def saw_feed(self, newest: int, mark: int | None) -> None:
        """The newest seq, just read by this request (`mark` taken before the read): its
        catch-up need not read the feed again unless this process commits meanwhile."""
        if mark is not None:
            _feed_seen.set((newest, mark))

    @staticmethod
    def forget_feed() -> None:
        """The request is over: the next one reads the feed afresh."""
        _feed_seen.set(None)

    def warm_up(self) -> int:
        """Build the index (and load the barriers) now, not in the first query; returns its
        seq."""
        self.barriers.current()
        return self.index.catch_up()

    def match_site(self, request: SiteRequest) -> dict:
        """The full (unredacted) site report, as a dict."""
        return match_site(self.index, request, self.costs).to_dict()

    def match_route(self, request: RouteRequest) -> dict:
        """The full (unredacted) route report, as a dict."""
        return match_route(self.index, request, self.costs).to_dict()
