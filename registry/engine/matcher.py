"""The registry's use of the matching engine: one index per process, requests from JSON.

`Matcher` owns the process's AssetIndex (a cache of the database, caught up from the change
feed before every query) and turns API bodies into engine requests. Reports come back as
plain dicts, stamped with the registry seq; `redact_report` shows each caller only what it
may see.
"""

from __future__ import annotations

import logging

from matching.index import AssetIndex
from matching.kernels_warm import warm_up as warm_up_kernels
from matching.requests import InvalidRequest, RouteRequest, SiteRequest
from matching.route import match_route
from matching.rules import DEFAULT_COSTS, Costs
from matching.site import match_site
from registry.db.geometry import parse_geojson
from registry.engine.source import SqlAssetSource
from registry.errors import ValidationFailed

log = logging.getLogger(__name__)

SITE_FIELDS = {"location", "radius_m", "needs", "min_height_m", "kinds", "sectors", "limit"}
ROUTE_FIELDS = {"route", "corridor_m", "needs", "limit", "share_threshold"}


def _check_fields(body, allowed: set[str], required: tuple[str, ...]) -> dict:
    if not isinstance(body, dict):
        raise ValidationFailed("body", "must be a JSON object")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise ValidationFailed(unknown[0], f"is not a field of this request ({sorted(allowed)})")
    missing = [f for f in required if f not in body]
    if missing:
        raise ValidationFailed(missing[0], "is required")
    return body


def _number(body: dict, name: str):
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValidationFailed(name, "must be a number")
    return value


def site_request(body) -> SiteRequest:
    """A validated SiteRequest from {"location", "radius_m", "needs", "min_height_m"?, ...}."""
    body = _check_fields(body, SITE_FIELDS, ("location", "radius_m", "needs"))
    location = parse_geojson(body["location"], "location")
    if location.geom_type != "Point":
        raise ValidationFailed("location", "must be a GeoJSON Point")
    try:
        return SiteRequest(
            location=location,
            radius_m=_number(body, "radius_m"),
            needs=body["needs"],
            min_height_m=_number(body, "min_height_m"),
            kinds=body.get("kinds"),
            sectors=body.get("sectors"),
            limit=body.get("limit", 10),
        )
    except InvalidRequest as exc:
        raise ValidationFailed(exc.field, exc.message) from None


def route_request(body) -> RouteRequest:
    """A validated RouteRequest from {"route", "corridor_m", "needs", ...}."""
    body = _check_fields(body, ROUTE_FIELDS, ("route", "corridor_m", "needs"))
    route = parse_geojson(body["route"], "route")
    if route.geom_type != "LineString":
        raise ValidationFailed("route", "must be a GeoJSON LineString")
    try:
        return RouteRequest(
            route=route,
            corridor_m=_number(body, "corridor_m"),
            needs=body["needs"],
            limit=body.get("limit", 10),
            share_threshold=body.get("share_threshold", 0.8),
        )
    except InvalidRequest as exc:
        raise ValidationFailed(exc.field, exc.message) from None


class Matcher:
    """One engine per process over the registry: match_site / match_route on API bodies."""

    def __init__(self, session_factory, costs: Costs = DEFAULT_COSTS, index=None):
        self.index = index or AssetIndex(SqlAssetSource(session_factory))
        self.costs = costs
        warm_up_kernels()  # JIT (or numba's cache) at start-up, not in the first request

    def warm_up(self) -> int:
        """Build the index now (otherwise the first query builds it); returns its seq."""
        return self.index.catch_up()

    def match_site(self, body: dict) -> dict:
        """The full (unredacted) site report for an API body."""
        return match_site(self.index, site_request(body), self.costs).to_dict()

    def match_route(self, body: dict) -> dict:
        """The full (unredacted) route report for an API body."""
        return match_route(self.index, route_request(body), self.costs).to_dict()
