"""A route-planning request (two ends and a need), validated when made, and the settings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from shapely.geometry import Point

from matching import geo, rules
from matching.requests import InvalidRequest

MAX_SPAN_M = 100_000.0  # longer plans are several projects (and one metric frame is too coarse)
MAX_DETOUR = 5.0
MAX_ALTERNATIVES = 5


@dataclass(frozen=True)
class PlanSettings:
    """Graph rules a deployment may tune (not per request): see docs/planner.md."""

    snap_m: float = 2.0  # asset vertices this close are one node (a shared manhole or pole)
    trench_radius_m: float = 250.0  # new trench is considered between nodes this close...
    trench_neighbours: int = 8  # ... to each node's this many nearest others
    end_neighbours: int = 16  # the from/to points join this many nearest nodes
    alternative_penalty: float = 1.0  # reused edges of earlier plans cost (1 + this) times more


@dataclass(frozen=True)
class Constraints:
    exclude_owner_ids: frozenset[int] = frozenset()
    kinds: frozenset[str] | None = None  # None: every kind that can host the need
    exclude_asset_ids: frozenset[int] = frozenset()


def _point(name: str, value) -> Point:
    if not isinstance(value, Point) or value.is_empty:
        raise InvalidRequest(name, "must be a non-empty Point")
    x, y = value.x, value.y
    if not (math.isfinite(x) and math.isfinite(y)) or abs(x) > 180 or abs(y) > 90:
        raise InvalidRequest(name, "longitude must be within ±180 and latitude within ±90")
    return value


def _needs(needs) -> dict[str, int]:
    if not isinstance(needs, Mapping) or len(needs) != 1:
        raise InvalidRequest("needs", 'give exactly one resource, e.g. {"fiber_core": 12}')
    ((resource, units),) = needs.items()
    if resource not in rules.ROUTE_RESOURCES:
        raise InvalidRequest(
            "needs",
            f"unknown resource {resource!r}; use one of {', '.join(sorted(rules.ROUTE_RESOURCES))}",
        )
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise InvalidRequest("needs", f"{resource} must be a whole number of units, at least 1")
    return {resource: units}


def _ids(name: str, values) -> frozenset[int]:
    values = list(values or ())
    if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise InvalidRequest(name, "must be a list of whole-number ids")
    return frozenset(values)


def constraints(body: Mapping | None) -> Constraints:
    """Constraints from their JSON shape, checked."""
    body = dict(body or {})
    unknown = sorted(set(body) - {"exclude_owner_ids", "kinds", "exclude_asset_ids"})
    if unknown:
        raise InvalidRequest(f"constraints.{unknown[0]}", "is not a constraint")
    kinds = body.get("kinds") or None
    if kinds is not None:
        bad = sorted(set(kinds) - set(rules.LINE_KINDS))
        if bad:
            raise InvalidRequest(
                "constraints.kinds", f"unknown line kinds {bad}; use {sorted(rules.LINE_KINDS)}"
            )
        kinds = frozenset(kinds)
    return Constraints(
        _ids("constraints.exclude_owner_ids", body.get("exclude_owner_ids")),
        kinds,
        _ids("constraints.exclude_asset_ids", body.get("exclude_asset_ids")),
    )


@dataclass(frozen=True)
class PlanRequest:
    """Plan the cheapest way from `start` to `end` over existing lines and new trench."""

    start: Point
    end: Point
    needs: dict[str, int]
    max_detour: float = 2.0  # the graph holds what lies within this × the straight distance
    alternatives: int = 0
    constraints: Constraints = field(default_factory=Constraints)
    span_m: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        _point("from", self.start)
        _point("to", self.end)
        object.__setattr__(self, "needs", _needs(self.needs))
        detour = self.max_detour
        if isinstance(detour, bool) or not isinstance(detour, int | float):
            raise InvalidRequest("max_detour", "must be a number")
        if not 1.0 <= detour <= MAX_DETOUR:
            raise InvalidRequest("max_detour", f"must be from 1 to {MAX_DETOUR:g}")
        alt = self.alternatives
        if isinstance(alt, bool) or not isinstance(alt, int) or not 0 <= alt <= MAX_ALTERNATIVES:
            raise InvalidRequest(
                "alternatives", f"must be a whole number from 0 to {MAX_ALTERNATIVES}"
            )
        span = float(
            geo.geodesic_distances(self.start.x, self.start.y, np.array([self.end.x]),
                                   np.array([self.end.y]))[0]
        )  # fmt: skip
        if span < 1.0:
            raise InvalidRequest("to", "must be at least 1 m from `from`")
        if span > MAX_SPAN_M:
            raise InvalidRequest(
                "to", f"is {span / 1000:.1f} km from `from`; plan at most {MAX_SPAN_M / 1000:g} km"
            )
        object.__setattr__(self, "span_m", span)

    @property
    def resource(self) -> str:
        return next(iter(self.needs))

    def to_dict(self) -> dict:
        c = self.constraints
        return {
            "from": [round(self.start.x, 7), round(self.start.y, 7)],
            "to": [round(self.end.x, 7), round(self.end.y, 7)],
            "needs": dict(self.needs),
            "max_detour": self.max_detour,
            "alternatives": self.alternatives,
            "constraints": {
                "exclude_owner_ids": sorted(c.exclude_owner_ids),
                "kinds": None if c.kinds is None else sorted(c.kinds),
                "exclude_asset_ids": sorted(c.exclude_asset_ids),
            },
        }
