"""Query arguments of OGC API - Features items: bbox, limit, offset, datetime (on updated_at)."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, post_load, validate

from api.assets.schemas import _floats, _lon_lat
from api.fields import Count, Offset

MAX_LIMIT = 10_000


def _instant(text: str, end: bool) -> dt.datetime:
    """An RFC 3339 date-time (naive means UTC); a bare date means that whole day."""
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"{text!r} is not an RFC 3339 date-time", "datetime") from None
    if len(text.strip()) == 10 and end:
        value += dt.timedelta(days=1) - dt.timedelta(microseconds=1)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def parse_interval(text: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """ "t", "a/b", "../b" or "a/.." as (start, end); open ends are None."""
    if "/" not in text:
        return _instant(text, end=False), _instant(text, end=True)
    start, _, end = text.partition("/")
    low = None if start in ("", "..") else _instant(start, end=False)
    high = None if end in ("", "..") else _instant(end, end=True)
    if low and high and low > high:
        raise ValidationError("the interval ends before it starts", "datetime")
    return low, high


class ItemsQueryArgsSchema(Schema):
    bbox = fields.String(metadata={"description": "minlon,minlat,maxlon,maxlat (CRS84)"})
    limit = Count(load_default=10)
    offset = Offset()
    datetime = fields.String(metadata={"description": "on updated_at: instant or a/b, ../b"})
    f = fields.String(validate=validate.OneOf(["json", "geojson"]))

    @post_load
    def _parse(self, data, **kwargs):
        data["limit"] = min(data["limit"], MAX_LIMIT)  # the standard: clamp, do not fail
        if "bbox" in data:
            parts = data["bbox"].split(",")
            box = _floats(data["bbox"], 6 if len(parts) == 6 else 4, "bbox")
            if len(box) == 6:
                box = [box[0], box[1], box[3], box[4]]
            _lon_lat(box[0], box[1], "bbox")
            _lon_lat(box[2], box[3], "bbox")
            if box[1] > box[3]:
                raise ValidationError("minlat must not exceed maxlat", "bbox")
            data["bbox"] = tuple(box)
        data["interval"] = (
            parse_interval(data.pop("datetime")) if "datetime" in data else (None, None)
        )
        return data


class FormatArgsSchema(Schema):
    f = fields.String(validate=validate.OneOf(["json", "geojson"]))
