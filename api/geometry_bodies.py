"""Bodies that carry GeoJSON geometries: every bad field in one 422, the geometries included.

marshmallow checks a body's fields first and a schema turns its geometries into shapely ones
after, so a body with a bad field AND a bad geometry named only the field. `GeometryBody`
checks the geometries in that case too and adds their problems to marshmallow's.

The rule for the answer's `status`: where the geometries are the only problems they are the
registry's InvalidGeometry, `invalid_geometry`, each named at the top level of `errors`, as
every geometry check answers; with any other bad field the answer is `validation_failed`, all
fields together under `errors.json`, as marshmallow's are.
"""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry

from registry.db.geometry import parse_geojson
from registry.errors import InvalidFields, InvalidGeometry, ValidationFailed


def checked_geometry(value, field: str, types: tuple[str, ...] = ()) -> BaseGeometry:
    """A GeoJSON geometry as a valid shapely one of one of `types` (any, if empty)."""
    geom = parse_geojson(value, field)
    if types and geom.geom_type not in types:
        raise InvalidGeometry(field, f"must be a GeoJSON {' or '.join(types)}")
    return geom


class GeometryBody:
    """A Schema mixin: `geometry_fields(raw)` names the raw body's geometries, as
    [(key as the user wrote it, the geometry types it may be)]."""

    def geometry_fields(self, raw: dict) -> list[tuple[str, tuple[str, ...]]]:
        raise NotImplementedError

    def parse_geometries(self, raw: dict) -> dict[str, BaseGeometry]:
        """Every geometry of the body as shapely, by key; or every problem raised at once."""
        parsed: dict[str, BaseGeometry] = {}
        problems: list[ValidationFailed] = []
        for key, types in self.geometry_fields(raw):
            try:
                parsed[key] = checked_geometry(raw.get(key), key, types)
            except ValidationFailed as exc:
                problems.append(exc)
        if len(problems) == 1:
            raise problems[0]
        if problems:
            raise InvalidFields(problems)
        return parsed

    def handle_error(self, error, data, **kwargs) -> None:
        """marshmallow found bad fields: add the geometries' problems to the same answer."""
        messages = error.messages
        if not isinstance(messages, dict) or not isinstance(data, dict):
            return
        for key, types in self.geometry_fields(data):
            # A missing geometry, or one that is no object, is marshmallow's to report.
            if key in messages or not isinstance(data.get(key), dict):
                continue
            try:
                checked_geometry(data[key], key, types)
            except ValidationFailed as exc:
                for field, reasons in exc.errors().items():
                    messages.setdefault(field, []).extend(reasons)
