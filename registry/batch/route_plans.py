"""Planned routes for an audit: from a GeoJSON file of LineStrings, or the route build requests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from shapely.geometry import LineString

from matching.requests import InvalidRequest, RouteRequest
from registry.batch import plan_input
from registry.batch.plan_input import json_number
from registry.batch.route_audit import RoutePlans
from registry.errors import ValidationFailed


class _Collector(plan_input.TemplateGroups):
    """Planned routes and their distinct request templates, in the order they are added."""

    def __init__(self, top: int) -> None:
        super().__init__()
        self.top = top
        self.routes: list[np.ndarray] = []

    def add(self, where: str, plan_id, coords, corridor_m, needs) -> None:
        line = LineString([position[:2] for position in coords])
        try:
            request = RouteRequest(line, corridor_m, dict(needs), limit=self.top)
        except InvalidRequest as exc:
            raise plan_input.refused(where, exc, "geometry") from None
        self.keep(plan_id, (request.corridor_m, tuple(request.needs.items())), request)
        self.routes.append(np.asarray(line.coords, dtype=np.float64))

    def plans(self) -> RoutePlans:
        ids, group = self.id_and_group_arrays()
        return RoutePlans(ids, self.routes, group, self.templates)


def is_routes_file(path: Path) -> bool:
    """Does this GeoJSON file hold LineStrings (planned routes) rather than points?"""
    if Path(path).suffix.lower() not in plan_input.GEOJSON_SUFFIXES:
        return False
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        first = (data.get("features") or [{}])[0].get("geometry") or {}
    except (ValueError, AttributeError, IndexError):
        return False
    return first.get("type") == "LineString"


def from_file(path: Path, needs: dict, corridor_m: float, top: int = 3) -> RoutePlans:
    """Routes from a GeoJSON FeatureCollection of LineStrings (properties id, corridor_m,
    needs); `needs` and `corridor_m` are the defaults for what a feature leaves out."""
    if Path(path).suffix.lower() not in plan_input.GEOJSON_SUFFIXES:
        raise ValidationFailed("file", "planned routes come in a .geojson or .json file")
    out = _Collector(top)
    for where, plan_id, coords, props in plan_input.features(path, "LineString"):
        corridor = json_number(f"{where}.corridor_m", props.get("corridor_m"), corridor_m)
        out.add(where, plan_id, coords, corridor, plan_input.needs_of(where, props, needs))
    return out.plans()


def from_build_requests(session, corridor_m: float, top: int = 3) -> RoutePlans:
    """Every route build request, with its own needs and corridor."""
    out = _Collector(top)
    for request in plan_input.build_requests(session, "route"):
        out.add(
            f"build_request {request.id}", request.id, list(request.geom.coords),
            request.corridor_m or corridor_m, request.needs,
        )  # fmt: skip
    return out.plans()
