"""What `plans` (planned sites) and `route_plans` (planned routes) read alike: the features of
a GeoJSON file, numbers, needs, the distinct request templates and the build requests.

A file's numbers follow the API's rule: in JSON they must be JSON numbers (text such as "50"
is refused, naming the fix); in a CSV every cell is text by nature, so it is read as one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from matching.requests import InvalidRequest
from registry.errors import ValidationFailed
from registry.workflow.models import BuildRequest

GEOJSON_SUFFIXES = (".geojson", ".json")
COLLECTION = 'must be a GeoJSON FeatureCollection: {"type": "FeatureCollection", "features": [...]}'
POSITIONS = {
    "Point": "coordinates must be [lon, lat], two numbers",
    "LineString": "coordinates must be [[lon, lat], [lon, lat], ...]: numbers, at least two "
    "positions",
}


class TemplateGroups:
    """Each plan's id and template number, and the distinct request templates (plans asking
    the same are matched as one batch), numbered in the order first seen."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.group: list[int] = []
        self.templates: list = []
        self._numbers: dict[tuple, int] = {}

    def keep(self, plan_id, key: tuple, request) -> None:
        """Add a plan whose template is `key` (`request`, kept if the key is new)."""
        number = self._numbers.setdefault(key, len(self.templates))
        if number == len(self.templates):
            self.templates.append(request)
        self.ids.append(str(plan_id))
        self.group.append(number)

    def id_and_group_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return np.array(self.ids, dtype=object), np.array(self.group, dtype=np.int64)


def refused(where: str, exc: InvalidRequest, geometry: str) -> ValidationFailed:
    """The engine's refusal of a plan, naming the field as the file does (`geometry` for the
    engine's location or route)."""
    field = geometry if exc.field in ("location", "route") else exc.field
    return ValidationFailed(f"{where}.{field}", exc.message)


def _is_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False


def _numeric_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def json_number(where: str, value, default=None):
    """A number from a JSON file: a finite JSON number, or `default` where it is absent."""
    if value is None:
        return default
    if _is_number(value):
        return float(value)
    if isinstance(value, str) and _numeric_text(value):
        raise ValidationFailed(
            where, f"must be a number, not text: write {value} without the quotes"
        )
    raise ValidationFailed(where, "must be a number")


def text_number(where: str, value, default=None):
    """A number from a CSV cell (text by nature), or `default` where the cell is empty."""
    if value in (None, ""):
        return default
    try:
        return float(value)
    except ValueError:
        raise ValidationFailed(where, f"{value!r} is not a number") from None


def needs_of(where: str, props: dict, default: dict) -> dict:
    """A feature's `needs` (an object of resource: units), or `default` where it has none."""
    needs = props.get("needs") or default
    if not isinstance(needs, dict):
        example = json.dumps(default)
        raise ValidationFailed(f"{where}.needs", f"must be an object of units, e.g. {example}")
    for resource, units in needs.items():
        if isinstance(units, str) and _numeric_text(units):  # the engine would only say "whole"
            raise ValidationFailed(
                f"{where}.needs.{resource}",
                f"must be a whole number, not text: write {units} without the quotes",
            )
    return needs


def _read_json(path: Path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValidationFailed("file", "must be UTF-8 text: save it as UTF-8") from None
    except ValueError as exc:
        where = f"line {exc.lineno}, column {exc.colno}" if hasattr(exc, "lineno") else "it"
        raise ValidationFailed("file", f"is not valid JSON ({where}): {COLLECTION}") from None


def _positions_ok(coords, geometry_type: str) -> bool:
    positions = [coords] if geometry_type == "Point" else coords
    least = 1 if geometry_type == "Point" else 2
    return (
        isinstance(positions, list)
        and len(positions) >= least
        and all(
            isinstance(p, list) and len(p) >= 2 and _is_number(p[0]) and _is_number(p[1])
            for p in positions
        )
    )


def features(path: Path, geometry_type: str) -> Iterator[tuple[str, object, list, dict]]:
    """(where, plan id, coordinates, properties) of each feature of the GeoJSON
    FeatureCollection at `path`, each checked to be a `geometry_type` with [lon, lat]
    numbers; the plan id is the feature's id, else its `id` property, else its number."""
    data = _read_json(path)
    found = data.get("features") if isinstance(data, dict) else None
    if not isinstance(found, list):
        raise ValidationFailed("file", COLLECTION)
    for k, feature in enumerate(found):
        where = f"features[{k}]"
        if not isinstance(feature, dict):
            raise ValidationFailed(where, "must be a GeoJSON Feature (an object)")
        geometry, props = feature.get("geometry") or {}, feature.get("properties") or {}
        if not isinstance(props, dict):
            raise ValidationFailed(f"{where}.properties", "must be an object")
        if not isinstance(geometry, dict) or geometry.get("type") != geometry_type:
            raise ValidationFailed(f"{where}.geometry", f"must be a GeoJSON {geometry_type}")
        if not _positions_ok(geometry.get("coordinates"), geometry_type):
            raise ValidationFailed(f"{where}.geometry", POSITIONS[geometry_type])
        yield where, feature.get("id", props.get("id", k + 1)), geometry["coordinates"], props


def build_requests(session, kind: str) -> Iterator[BuildRequest]:
    """Every build request of `kind` ("site" or "route"), oldest first."""
    stmt = sa.select(BuildRequest).where(BuildRequest.kind == kind).order_by(BuildRequest.id)
    yield from session.scalars(stmt)
