"""Query arguments of GET /kpis: period, area (GeoJSON or bbox), organisation, sector."""

from __future__ import annotations

import json

from marshmallow import Schema, ValidationError, fields, post_load, validate
from shapely.geometry import box

from api.fields import Id
from api.open_directory.schemas import parse_bbox
from registry.db.geometry import parse_geojson
from registry.errors import ValidationFailed
from registry.inventory.vocabulary import Sector
from registry.planning.kpi_groups import GROUPINGS

MAX_DAYS = 3660


def parse_area(text: str):
    """A GeoJSON geometry (Polygon or MultiPolygon), or minlon,minlat,maxlon,maxlat."""
    if text.lstrip().startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            raise ValidationError("is neither GeoJSON nor a bbox", "area") from None
        try:
            geom = parse_geojson(obj, "area")
        except ValidationFailed as exc:
            raise ValidationError(exc.message, "area") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise ValidationError("must be a Polygon or MultiPolygon", "area")
        return geom
    try:
        return box(*parse_bbox(text))
    except ValidationError as exc:
        raise ValidationError(exc.messages[0] if exc.messages else "bad bbox", "area") from None


class KpiQueryArgsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from", metadata={"description": "YYYY-MM-DD"})
    to = fields.Date(required=True, metadata={"description": "YYYY-MM-DD, inclusive"})
    area = fields.String(
        metadata={"description": "GeoJSON Polygon, or minlon,minlat,maxlon,maxlat"}
    )
    owner_id = Id(metadata={"description": "an organisation's own figures"})
    sector = fields.String(validate=validate.OneOf([s.value for s in Sector]))
    group_by = fields.String(validate=validate.OneOf(GROUPINGS))
    f = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))

    @post_load
    def _check(self, data, **kwargs):
        if data["from_"] > data["to"]:
            raise ValidationError("must not be after 'to'", "from")
        if (data["to"] - data["from_"]).days > MAX_DAYS:
            raise ValidationError(f"the period may span at most {MAX_DAYS} days", "to")
        if "area" in data:
            data["area"] = parse_area(data["area"])
        return data
