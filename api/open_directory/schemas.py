"""Query arguments of the open directory: bbox, kind, paging and the format."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate

from api.assets.schemas import _floats, _lon_lat
from api.fields import Offset
from registry.inventory.vocabulary import Kind


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """ "minlon,minlat,maxlon,maxlat" as four checked numbers."""
    box = _floats(text, 4, "bbox")
    _lon_lat(box[0], box[1], "bbox")
    _lon_lat(box[2], box[3], "bbox")
    if box[1] > box[3]:
        raise ValidationError("minlat must not exceed maxlat", "bbox")
    return tuple(box)


class DirectoryQueryArgsSchema(Schema):
    bbox = fields.String(metadata={"description": "minlon,minlat,maxlon,maxlat (WGS84)"})
    kind = fields.String(metadata={"description": "asset kinds, comma-separated"})
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = Offset()
    f = fields.String(load_default="geojson", validate=validate.OneOf(["geojson", "json", "csv"]))

    @post_load
    def _parse(self, data, **kwargs):
        if "bbox" in data:
            data["bbox"] = parse_bbox(data["bbox"])
        if "kind" in data:
            kinds = [k.strip() for k in data["kind"].split(",") if k.strip()]
            known = {k.value for k in Kind}
            for k in kinds:
                if k not in known:
                    raise ValidationError(
                        f"{k!r} is not one of: {', '.join(sorted(known))}", "kind"
                    )
            data["kind"] = kinds or None
        return data
