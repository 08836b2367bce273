"""Planned routes for an audit: from a GeoJSON file of LineStrings, or the route build requests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from shapely.geometry import LineString

from matching.requests import InvalidRequest, RouteRequest
from registry.batch.route_audit import RoutePlans
from registry.errors import ValidationFailed
from registry.workflow.models import BuildRequest


class _Collector:
    """Routes and their distinct request templates, in the order they are added."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.ids: list[str] = []
        self.routes: list[np.ndarray] = []
        self.group: list[int] = []
        self.templates: dict[tuple, RouteRequest] = {}  # in the order of their numbers

    def add(self, where: str, plan_id, coords, corridor_m, needs) -> None:
        try:
            line = LineString(np.asarray(coords, dtype=np.float64)[:, :2])
            request = RouteRequest(line, corridor_m, dict(needs), limit=self.top)
        except (InvalidRequest, TypeError, ValueError, IndexError) as exc:
            field = getattr(exc, "field", "geometry")
            raise ValidationFailed(f"{where}.{field}", getattr(exc, "message", str(exc))) from None
        key = (request.corridor_m, tuple(request.needs.items()))
        self.templates.setdefault(key, request)
        self.group.append(list(self.templates).index(key))
        self.ids.append(str(plan_id))
        self.routes.append(np.asarray(line.coords, dtype=np.float64))

    def plans(self) -> RoutePlans:
        return RoutePlans(
            np.array(self.ids, dtype=object),
            self.routes,
            np.array(self.group, dtype=np.int64),
            list(self.templates.values()),
        )


def is_routes_file(path: Path) -> bool:
    """Does this GeoJSON file hold LineStrings (planned routes) rather than points?"""
    if Path(path).suffix.lower() not in (".geojson", ".json"):
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
    out = _Collector(top)
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for k, feature in enumerate(data.get("features", []) if isinstance(data, dict) else []):
        where = f"features[{k}]"
        geometry, props = feature.get("geometry") or {}, feature.get("properties") or {}
        if geometry.get("type") != "LineString":
            raise ValidationFailed(f"{where}.geometry", "must be a GeoJSON LineString")
        corridor = props.get("corridor_m", corridor_m)
        if isinstance(corridor, str):
            raise ValidationFailed(f"{where}.corridor_m", f"{corridor!r} is not a number")
        out.add(
            where, feature.get("id", props.get("id", k + 1)), geometry.get("coordinates"),
            corridor, props.get("needs") or needs,
        )  # fmt: skip
    return out.plans()


def from_build_requests(session, corridor_m: float, top: int = 3) -> RoutePlans:
    """Every route build request, with its own needs and corridor."""
    out = _Collector(top)
    stmt = sa.select(BuildRequest).where(BuildRequest.kind == "route").order_by(BuildRequest.id)
    for request in session.scalars(stmt):
        out.add(
            f"build_request {request.id}", request.id, np.asarray(request.geom.coords),
            request.corridor_m or corridor_m, request.needs,
        )  # fmt: skip
    return out.plans()
