"""Site and route build requests, validated when made, with their JSON-ready echo."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from matching import geo, rules

MAX_RADIUS_M = 50_000.0
MAX_CORRIDOR_M = 1_000.0
# Longer routes are several projects; one local metric frame also stops being accurate enough
# (scale error 0.08% at 250 km from the centre) and the answer would take seconds.
MAX_ROUTE_M = 500_000.0
MIN_ROUTE_M = 0.01
MAX_LIMIT = 100


class InvalidRequest(ValueError):
    """A request the engine cannot answer; `field` names the culprit (the API's 422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _check_lonlat(name: str, lons: np.ndarray, lats: np.ndarray) -> None:
    if not (np.isfinite(lons).all() and np.isfinite(lats).all()):
        raise InvalidRequest(name, "coordinates must be finite numbers")
    if (np.abs(lons) > 180).any() or (np.abs(lats) > 90).any():
        raise InvalidRequest(name, "longitude must be within ±180 and latitude within ±90")


def _check_positive(name: str, value: float, upper: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidRequest(name, "must be a finite number of metres")
    if not 0 < value <= upper:
        raise InvalidRequest(name, f"must be greater than 0 and at most {upper:g} m")


def _check_needs(needs: Mapping[str, int], allowed: frozenset[str], hosts) -> dict[str, int]:
    if not isinstance(needs, Mapping) or not needs:
        raise InvalidRequest("needs", "give at least one resource and its number of units")
    for resource, units in needs.items():
        if resource not in allowed:
            raise InvalidRequest(
                "needs", f"unknown resource {resource!r}; use one of {', '.join(sorted(allowed))}"
            )
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            raise InvalidRequest("needs", f"{resource} must be a whole number of units, at least 1")
    if not rules.common_hosts(set(needs), hosts):
        raise InvalidRequest(
            "needs", f"no single asset kind can host all of {sorted(needs)}; send separate requests"
        )
    return dict(sorted(needs.items()))


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest("limit", f"must be a whole number from 1 to {MAX_LIMIT}")


def _check_vocab(name: str, values, vocabulary) -> frozenset[str] | None:
    if values is None:
        return None
    unknown = set(values) - set(vocabulary)
    if unknown:
        raise InvalidRequest(name, f"unknown values {sorted(unknown)}")
    return frozenset(values)


def _lonlat(line: LineString) -> list[list[float]]:
    """The line's vertices as [lon, lat] lists (shapely's coordinate iterator is slow)."""
    return shapely.get_coordinates(line).tolist()


@dataclass(frozen=True)
class SiteRequest:
    """Find existing structures near a planned site that could take the equipment."""

    location: Point
    radius_m: float
    needs: dict[str, int]
    min_height_m: float | None = None
    kinds: frozenset[str] | None = None
    sectors: frozenset[str] | None = None
    limit: int = 10

    def __post_init__(self) -> None:
        if not isinstance(self.location, Point) or self.location.is_empty:
            raise InvalidRequest("location", "must be a non-empty Point")
        _check_lonlat("location", np.array([self.location.x]), np.array([self.location.y]))
        _check_positive("radius_m", self.radius_m, MAX_RADIUS_M)
        object.__setattr__(
            self, "needs", _check_needs(self.needs, rules.SITE_RESOURCES, rules.SITE_HOSTS)
        )
        if self.min_height_m is not None:
            _check_positive("min_height_m", self.min_height_m, 1_000.0)
        object.__setattr__(self, "kinds", _check_vocab("kinds", self.kinds, rules.KINDS))
        object.__setattr__(self, "sectors", _check_vocab("sectors", self.sectors, rules.SECTORS))
        _check_limit(self.limit)

    def to_dict(self) -> dict:
        return {
            "location": [round(self.location.x, 7), round(self.location.y, 7)],
            "radius_m": self.radius_m,
            "needs": dict(self.needs),
            "min_height_m": self.min_height_m,
            "kinds": None if self.kinds is None else sorted(self.kinds),
            "sectors": None if self.sectors is None else sorted(self.sectors),
            "limit": self.limit,
        }


@dataclass(frozen=True)
class RouteRequest:
    """Find existing ducts, cables and pole routes along a planned route."""

    route: LineString
    corridor_m: float
    needs: dict[str, int]
    limit: int = 10
    share_threshold: float = 0.8  # coverage ratio from which the verdict is "share"
    partial_threshold: float | None = None  # "partial_share" from here; None: 3/4 of share
    length_m: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.route, LineString) or self.route.is_empty:
            raise InvalidRequest("route", "must be a non-empty LineString")
        coords = np.asarray(self.route.coords, dtype=np.float64)
        _check_lonlat("route", coords[:, 0], coords[:, 1])
        length = float(geo.segment_lengths(coords[:, 0], coords[:, 1]).sum())
        if length < MIN_ROUTE_M:
            raise InvalidRequest("route", "has zero length")
        if length > MAX_ROUTE_M:
            raise InvalidRequest(
                "route",
                f"is {length / 1000:.1f} km long; "
                f"split routes longer than {MAX_ROUTE_M / 1000:g} km",
            )
        object.__setattr__(self, "length_m", length)
        _check_positive("corridor_m", self.corridor_m, MAX_CORRIDOR_M)
        object.__setattr__(
            self, "needs", _check_needs(self.needs, rules.ROUTE_RESOURCES, rules.ROUTE_HOSTS)
        )
        _check_limit(self.limit)
        threshold = self.share_threshold
        if (
            isinstance(threshold, bool)
            or not isinstance(threshold, int | float)
            or not 0 < threshold <= 1
        ):
            raise InvalidRequest("share_threshold", "must be a ratio greater than 0 and at most 1")
        partial = self.partial_threshold
        if partial is None:
            partial = 0.75 * threshold
            object.__setattr__(self, "partial_threshold", partial)
        if (
            isinstance(partial, bool)
            or not isinstance(partial, int | float)
            or not 0 < partial <= threshold
        ):
            raise InvalidRequest(
                "partial_threshold", "must be a ratio greater than 0 and at most share_threshold"
            )

    def to_dict(self) -> dict:
        return {
            "route": [[round(x, 7), round(y, 7)] for x, y in _lonlat(self.route)],
            "corridor_m": self.corridor_m,
            "needs": dict(self.needs),
            "limit": self.limit,
            "share_threshold": self.share_threshold,
            "partial_threshold": self.partial_threshold,
        }
