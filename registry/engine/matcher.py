"""The registry's use of the matching engine: one index per process, typed requests in.

`Matcher` owns the process's AssetIndex (a cache of the database, caught up from the change
feed before every query). It takes the engine's own typed requests (SiteRequest,
RouteRequest: the API's schemas build them from JSON, the workflow from stored build
requests) and returns reports as plain dicts, stamped with the registry seq; the access
module (registry.access.report_visibility) shows each caller only what it may see.
"""

from __future__ import annotations

import logging

from matching.index import AssetIndex
from matching.kernels_warm import warm_up as warm_up_kernels
from matching.requests import RouteRequest, SiteRequest
from matching.route import match_route
from matching.rules import DEFAULT_COSTS, Costs
from matching.site import match_site
from registry.engine.source import SqlAssetSource

log = logging.getLogger(__name__)


class Matcher:
    """One engine per process over the registry: match_site / match_route on typed requests."""

    def __init__(self, session_factory, costs: Costs = DEFAULT_COSTS, index=None):
        self.index = index or AssetIndex(SqlAssetSource(session_factory))
        self.costs = costs
        warm_up_kernels()  # JIT (or numba's cache) at start-up, not in the first request

    def warm_up(self) -> int:
        """Build the index now (otherwise the first query builds it); returns its seq."""
        return self.index.catch_up()

    def match_site(self, request: SiteRequest) -> dict:
        """The full (unredacted) site report, as a dict."""
        return match_site(self.index, request, self.costs).to_dict()

    def match_route(self, request: RouteRequest) -> dict:
        """The full (unredacted) route report, as a dict."""
        return match_route(self.index, request, self.costs).to_dict()
