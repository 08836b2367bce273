"""Marshmallow schemas for assets: GeoJSON Features in, FeatureCollections out."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from flask import current_app
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    missing,
    post_load,
    validate,
    validates_schema,
)

from api.fields import Id, Offset
from registry.db.geometry import swap_hint
from registry.errors import ValidationFailed
from registry.inventory.changes import ASSET_FIELDS, UNSET, AssetPatch
from registry.inventory.queries import AssetFilter
from registry.inventory.validation import AssetInput, parse_asset_feature
from registry.inventory.vocabulary import Kind, Resource, Sector, Status

KINDS = [k.value for k in Kind]


class FeatureSchema(Schema):
    """A GeoJSON Feature; the registry validates geometry and properties per kind."""

    type = fields.String(required=True, validate=validate.Equal("Feature"))
    id = fields.Raw(load_only=True)
    geometry = fields.Dict(required=True)
    properties = fields.Dict(required=True)


class FeaturePatchSchema(Schema):
    """A merge patch of a Feature: give only what changes; null removes an attribute."""

    type = fields.String(validate=validate.Equal("Feature"))
    geometry = fields.Dict()
    properties = fields.Dict()

    @post_load
    def _typed(self, data, **kwargs) -> AssetPatch:
        """The patch as the service takes it: the asset's fields apart from its attributes."""
        attributes = dict(data.get("properties", {}))
        named = {k: attributes.pop(k) for k in (*ASSET_FIELDS, "capacity") if k in attributes}
        return AssetPatch(geometry=data.get("geometry", UNSET), attributes=attributes, **named)


def asset_at_ref(feature: dict, owner_id: int, owner_ref: str) -> AssetInput:
    """The asset a PUT by-ref declares: the URL names its owner and owner_ref."""
    props = feature["properties"]
    for key, expected in (("owner_id", owner_id), ("owner_ref", owner_ref)):
        if props.get(key, expected) != expected:
            raise ValidationFailed(f"properties.{key}", f"must equal the URL's {expected!r}")
    props = {**props, "owner_id": owner_id, "owner_ref": owner_ref}
    return parse_asset_feature({**feature, "properties": props})


class FeatureOutSchema(Schema):
    type = fields.String()
    id = fields.Integer()
    geometry = fields.Dict()
    properties = fields.Dict()


class FeatureCollectionSchema(Schema):
    type = fields.String()
    features = fields.List(fields.Nested(FeatureOutSchema))
    numberMatched = fields.Integer()
    numberReturned = fields.Integer()
    links = fields.List(fields.Dict())


class CapacitySchema(Schema):
    asset_id = fields.Integer()
    resources = fields.Dict()


def _floats(text: str, n: int, name: str) -> list[float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ValidationError(f"must be {n} comma-separated numbers", name) from None
    if len(values) != n or not all(math.isfinite(v) for v in values):
        raise ValidationError(f"must be {n} comma-separated finite numbers", name)
    return values


def _lon_lat(lon: float, lat: float, name: str) -> None:
    # The hint is worked out only for a refusal (~20 us of numpy for every valid request).
    if not -180 <= lon <= 180:
        hint = swap_hint([(lon, lat)])
        raise ValidationError("longitude must be between -180 and 180" + hint, name)
    if not -90 <= lat <= 90:
        hint = swap_hint([(lon, lat)])
        raise ValidationError("latitude must be between -90 and 90" + hint, name)


# A radius as a plain decimal: float() of it is what fields.Float makes of it, and it can be
# neither NaN, infinite, nor anything else the field would refuse with its own message.
_PLAIN_RADIUS = re.compile(r"[0-9]{1,9}(\.[0-9]{1,17})?")
_NEAR_ONLY = {"near", "radius_m"}


class AssetQueryArgsSchema(Schema):
    """GET /assets' query. A near list's arguments alone ("near" and "radius_m", each a
    plain number within range) are loaded without marshmallow's machinery (~0.1 ms of a
    near list in a request, ~25 us warm): the same values (the same `_floats`, `_lon_lat`,
    float() and defaults), and anything else, or any doubt, goes the schema's way (tested
    to give the same answer or the same refusal). A hook added here that touches near or
    radius_m must be applied in _near_only too (tests/unit/test_near_args_fast_path.py)."""

    kind = fields.List(fields.String(), metadata={"description": "repeatable; or comma list"})
    owner_id = Id()
    sector = fields.String(validate=validate.OneOf([s.value for s in Sector]))
    status = fields.String(validate=validate.OneOf([s.value for s in Status]))
    bbox = fields.String(metadata={"description": "minlon,minlat,maxlon,maxlat"})
    near = fields.String(metadata={"description": "lon,lat; needs radius_m"})
    radius_m = fields.Float(validate=validate.Range(min=0, max=50_000, min_inclusive=False))
    min_free = fields.String(metadata={"description": "resource:n, e.g. fiber_core:12"})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000))
    offset = Offset()

    def load(self, data, **kwargs):
        # webargs passes `unknown` (for the query: exclude); with only known keys it changes
        # nothing. `many` or `partial` go the schema's way.
        # A subclass may add fields or hooks: it goes the schema's way.
        plain = type(self) is AssetQueryArgsSchema and kwargs.keys() <= {"unknown"}
        near_only = self._near_only(data) if plain else None
        return near_only if near_only is not None else super().load(data, **kwargs)

    def _near_only(self, data) -> dict | None:
        """load()'s answer for exactly "near" and "radius_m", both plain; else None."""
        if not isinstance(data, Mapping) or data.keys() != _NEAR_ONLY:
            return None
        near, radius = data["near"], data["radius_m"]
        if type(near) is not str or type(radius) is not str or not _PLAIN_RADIUS.fullmatch(radius):
            return None
        radius_m = float(radius)
        if not 0 < radius_m <= 50_000:
            return None
        try:
            lon, lat = _floats(near, 2, "near")
            _lon_lat(lon, lat, "near")
        except ValidationError:
            return None  # the schema refuses it, with every other problem
        loaded = {"near": (lon, lat), "radius_m": radius_m}
        for name, field in self.load_fields.items():  # the others' defaults, as load() adds
            default = field.load_default
            if name not in loaded and default is not missing:
                loaded[name] = default() if callable(default) else default
        return loaded

    @validates_schema
    def _near_needs_radius(self, data, **kwargs):
        if ("near" in data) != ("radius_m" in data):
            field = "radius_m" if "near" in data else "near"
            raise ValidationError("near and radius_m go together", field)

    @post_load
    def _parse(self, data, **kwargs):
        if "kind" in data:
            kinds = [k for item in data["kind"] for k in item.split(",") if k]
            bad = [k for k in kinds if k not in KINDS]
            if bad:
                raise ValidationError(f"{bad[0]!r} is not one of: {', '.join(KINDS)}", "kind")
            data["kind"] = kinds
        if "bbox" in data:
            box = _floats(data["bbox"], 4, "bbox")
            _lon_lat(box[0], box[1], "bbox")
            _lon_lat(box[2], box[3], "bbox")
            if box[1] > box[3]:
                raise ValidationError("minlat must not exceed maxlat", "bbox")
            data["bbox"] = tuple(box)
        if "near" in data:
            lon, lat = _floats(data["near"], 2, "near")
            _lon_lat(lon, lat, "near")
            data["near"] = (lon, lat)
        if "min_free" in data:
            data["min_free"] = _min_free(data["min_free"])
        return data


def _min_free(text: str) -> tuple[str, int]:
    resource, _, count = text.partition(":")
    if resource not in [r.value for r in Resource]:
        allowed = ", ".join(r.value for r in Resource)
        raise ValidationError(f"resource must be one of: {allowed}", "min_free")
    try:
        n = int(count)
    except ValueError:
        raise ValidationError("must look like resource:n, e.g. fiber_core:12", "min_free") from None
    if n < 1:
        raise ValidationError("n must be at least 1", "min_free")
    return resource, n


def asset_filter(args: dict) -> AssetFilter:
    """An AssetFilter from validated list or export arguments (masked on the app's grid)."""
    return AssetFilter(
        mask_grid_m=current_app.config["MASK_GRID_M"],
        kinds=args.get("kind", []),
        owner_id=args.get("owner_id"),
        sector=args.get("sector"),
        status=args.get("status"),
        bbox=args.get("bbox"),
        near=args.get("near"),
        radius_m=args.get("radius_m"),
        min_free=args.get("min_free"),
        limit=args.get("limit"),
        offset=args.get("offset", 0),
    )
