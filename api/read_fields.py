"""Output fields and the base schema that write the registry's read models as the API's JSON.

The registry returns ORM rows, or small frozen dataclasses that wrap a row (`row`) with what
is computed about it (a share request's effective state, a build request's latest verdict, a
report as the reader may see it). Only the schemas in `api/` decide the wire format.
"""

from __future__ import annotations

from marshmallow import Schema, fields

from registry.db.geometry import to_geojson


class ReadModelSchema(Schema):
    """Dumps a read model: a field is read from the model when it has it (the computed part,
    which wins over the row's own column of the same name), else from the row it wraps."""

    def get_attribute(self, obj, attr, default):
        if hasattr(obj, "row") and not hasattr(obj, attr.split(".", 1)[0]):
            obj = obj.row
        return super().get_attribute(obj, attr, default)


class GeoJSON(fields.Field):
    """A shapely geometry written as an RFC 7946 GeoJSON geometry object."""

    def __init__(self, **kwargs) -> None:
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault("type", "object")
        metadata.setdefault("description", "an RFC 7946 GeoJSON geometry (WGS 84 lon, lat)")
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_geojson(value)


class Rounded(fields.Float):
    """A float rounded to `places` decimals on output (money to cents, metres to 0.1 m)."""

    def __init__(self, places: int, **kwargs) -> None:
        self.places = places
        super().__init__(**kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        value = super()._serialize(value, attr, obj, **kwargs)
        return None if value is None else round(value, self.places)


def object_ref(obj) -> str:
    """ "share_request:12": how the audit log and the inbox name the object an entry is about."""
    return f"{obj.object_type}:{obj.object_id}"


def ObjectRef(**kwargs) -> fields.Function:
    """The `<type>:<id>` of an audit entry's or an event's object."""
    metadata = {"type": "string", "example": "share_request:12", **kwargs.pop("metadata", {})}
    return fields.Function(object_ref, metadata=metadata, **kwargs)
