"""InfraShare matching engine: an R-tree cache of the registry that answers "what could be shared?".

Pure Python on numpy, shapely, pyproj and rtree; it imports nothing else of ours. Nothing is
built at import time: the composition root creates an `AssetIndex(source)` and passes it to
`match_site` and `match_route`.
"""

from matching.index import AssetIndex
from matching.memory_source import MemorySource
from matching.records import AssetRecord, AssetSource, Capacity
from matching.reports import RouteReport, SiteReport
from matching.requests import InvalidRequest, RouteRequest, SiteRequest
from matching.route import match_route
from matching.rules import DEFAULT_COSTS, Costs
from matching.site import match_site

__all__ = [
    "DEFAULT_COSTS",
    "AssetIndex",
    "AssetRecord",
    "AssetSource",
    "Capacity",
    "Costs",
    "InvalidRequest",
    "MemorySource",
    "RouteReport",
    "RouteRequest",
    "SiteReport",
    "SiteRequest",
    "match_route",
    "match_site",
]
