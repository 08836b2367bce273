"""Planned sites for an audit: from a CSV or GeoJSON file, or from the site build requests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from shapely.geometry import Point

from matching.requests import InvalidRequest, SiteRequest
from registry.batch.audit import Plans
from registry.errors import ValidationFailed
from registry.workflow.models import BuildRequest


class _Collector:
    """Plans and their distinct request templates, in the order they are added."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.ids: list[str] = []
        self.lon: list[float] = []
        self.lat: list[float] = []
        self.group: list[int] = []
        self.templates: dict[tuple, int] = {}
        self.requests: dict[tuple, SiteRequest] = {}

    def add(self, where: str, plan_id, lon, lat, radius_m, needs, min_height_m=None) -> None:
        try:
            request = SiteRequest(
                Point(lon, lat), radius_m, dict(needs), min_height_m, limit=self.top
            )
        except (InvalidRequest, TypeError, ValueError) as exc:
            field = getattr(exc, "field", "location")
            raise ValidationFailed(f"{where}.{field}", getattr(exc, "message", str(exc))) from None
        key = (request.radius_m, tuple(request.needs.items()), request.min_height_m)
        self.group.append(self.templates.setdefault(key, len(self.templates)))
        self.ids.append(str(plan_id))
        self.lon.append(float(lon))
        self.lat.append(float(lat))
        self.requests.setdefault(key, request)

    def plans(self) -> Plans:
        templates = [self.requests[k] for k in sorted(self.templates, key=self.templates.get)]
        return Plans(
            np.array(self.ids, dtype=object),
            np.array(self.lon, dtype=np.float64),
            np.array(self.lat, dtype=np.float64),
            np.array(self.group, dtype=np.int64),
            templates,
        )


def _number(where: str, value, default=None):
    if value in (None, ""):
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(where, f"{value!r} is not a number") from None


def from_file(path: Path, needs: dict, radius_m: float, min_height_m=None, top: int = 3) -> Plans:
    """Plans from a CSV (columns id, lon, lat and optionally radius_m, min_height_m) or a
    GeoJSON FeatureCollection of Points (properties id, radius_m, needs, min_height_m);
    `needs`, `radius_m` and `min_height_m` are the defaults for what a row leaves out."""
    out = _Collector(top)
    if Path(path).suffix.lower() == ".csv":
        with open(path, newline="", encoding="utf-8") as fh:
            for line, row in enumerate(csv.DictReader(fh), start=2):
                where = f"line {line}"
                out.add(
                    where, row.get("id") or line - 1,
                    _number(f"{where}.lon", row.get("lon")),
                    _number(f"{where}.lat", row.get("lat")),
                    _number(f"{where}.radius_m", row.get("radius_m"), radius_m), needs,
                    _number(f"{where}.min_height_m", row.get("min_height_m"), min_height_m),
                )  # fmt: skip
        return out.plans()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    for k, feature in enumerate(data.get("features", []) if isinstance(data, dict) else []):
        where = f"features[{k}]"
        geometry, props = feature.get("geometry") or {}, feature.get("properties") or {}
        if geometry.get("type") != "Point" or len(geometry.get("coordinates", ())) < 2:
            raise ValidationFailed(f"{where}.geometry", "must be a GeoJSON Point")
        lon, lat = geometry["coordinates"][:2]
        out.add(
            where, feature.get("id", props.get("id", k + 1)), lon, lat,
            _number(f"{where}.radius_m", props.get("radius_m"), radius_m),
            props.get("needs") or needs,
            _number(f"{where}.min_height_m", props.get("min_height_m"), min_height_m),
        )  # fmt: skip
    return out.plans()


def from_build_requests(session, radius_m: float, top: int = 3) -> Plans:
    """Every site build request, with its own needs, radius and minimum height."""
    out = _Collector(top)
    stmt = sa.select(BuildRequest).where(BuildRequest.kind == "site").order_by(BuildRequest.id)
    for request in session.scalars(stmt):
        point = request.geom
        out.add(
            f"build_request {request.id}", request.id, point.x, point.y,
            request.radius_m or radius_m, request.needs, request.min_height_m,
        )  # fmt: skip
    return out.plans()
