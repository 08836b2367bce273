"""Planned sites for an audit: from a CSV or GeoJSON file, or from the site build requests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from matching.requests import InvalidRequest, SiteRequest
from registry.batch import plan_input
from registry.batch.audit import Plans
from registry.batch.plan_input import json_number, text_number
from registry.errors import ValidationFailed

CSV_COLUMNS = "a CSV needs a header row with columns id, lon, lat (and optionally radius_m, "
CSV_COLUMNS += "min_height_m)"


class _Collector(plan_input.TemplateGroups):
    """Planned sites and their distinct request templates, in the order they are added."""

    def __init__(self, top: int, geometry: str) -> None:
        super().__init__()
        self.top = top
        self.geometry = geometry  # what the source calls a site's location
        self.lon: list[float] = []
        self.lat: list[float] = []

    def add(self, where: str, plan_id, lon, lat, radius_m, needs, min_height_m=None) -> None:
        try:
            request = SiteRequest(
                Point(lon, lat), radius_m, dict(needs), min_height_m, limit=self.top
            )
        except InvalidRequest as exc:
            raise plan_input.refused(where, exc, self.geometry) from None
        key = (request.radius_m, tuple(request.needs.items()), request.min_height_m)
        self.keep(plan_id, key, request)
        self.lon.append(float(lon))
        self.lat.append(float(lat))

    def plans(self) -> Plans:
        ids, group = self.id_and_group_arrays()
        lon, lat = np.array(self.lon, dtype=np.float64), np.array(self.lat, dtype=np.float64)
        return Plans(ids, lon, lat, group, self.templates)


def from_file(path: Path, needs: dict, radius_m: float, min_height_m=None, top: int = 3) -> Plans:
    """Plans from a CSV (columns id, lon, lat and optionally radius_m, min_height_m) or a
    GeoJSON FeatureCollection of Points (properties id, radius_m, needs, min_height_m);
    `needs`, `radius_m` and `min_height_m` are the defaults for what a row leaves out."""
    if Path(path).suffix.lower() == ".csv":
        return _from_csv(path, needs, radius_m, min_height_m, top)
    if Path(path).suffix.lower() not in plan_input.GEOJSON_SUFFIXES:
        raise ValidationFailed("file", "must be a .csv, .geojson or .json file")
    out = _Collector(top, "geometry")
    for where, plan_id, (lon, lat, *_), props in plan_input.features(path, "Point"):
        out.add(
            where, plan_id, lon, lat,
            json_number(f"{where}.radius_m", props.get("radius_m"), radius_m),
            plan_input.needs_of(where, props, needs),
            json_number(f"{where}.min_height_m", props.get("min_height_m"), min_height_m),
        )  # fmt: skip
    return out.plans()


def _from_csv(path: Path, needs: dict, radius_m: float, min_height_m, top: int) -> Plans:
    out = _Collector(top, "lon/lat")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if not {"lon", "lat"} <= set(reader.fieldnames or ()):
                raise ValidationFailed("file", CSV_COLUMNS)
            for line, row in enumerate(reader, start=2):
                where = f"line {line}"
                out.add(
                    where, row.get("id") or line - 1,
                    _degrees(f"{where}.lon", row.get("lon")),
                    _degrees(f"{where}.lat", row.get("lat")),
                    text_number(f"{where}.radius_m", row.get("radius_m"), radius_m), needs,
                    text_number(f"{where}.min_height_m", row.get("min_height_m"), min_height_m),
                )  # fmt: skip
    except UnicodeDecodeError:
        raise ValidationFailed("file", "must be UTF-8 text: save it as UTF-8") from None
    return out.plans()


def _degrees(where: str, cell) -> float:
    found = text_number(where, cell)
    if found is None:
        raise ValidationFailed(where, "is empty: give the site's position in degrees")
    return found


def from_build_requests(session, radius_m: float, top: int = 3) -> Plans:
    """Every site build request, with its own needs, radius and minimum height."""
    out = _Collector(top, "geometry")
    for request in plan_input.build_requests(session, "site"):
        out.add(
            f"build_request {request.id}", request.id, request.geom.x, request.geom.y,
            request.radius_m or radius_m, request.needs, request.min_height_m,
        )  # fmt: skip
    return out.plans()
