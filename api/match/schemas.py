"""Match requests in, match reports out: the schemas turn JSON into the engine's typed requests.

`SiteMatchSchema` loads a SiteRequest and `RouteMatchSchema` a RouteRequest (matching.requests),
so the registry and the engine never see an HTTP body. The planned site or route is
`geometry`, as in build requests and assets; the old names `location` and `route` are still
accepted and answered with a `Deprecation` header.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate

from api.fields import Count, Number, Units, known
from api.geometry_bodies import GeometryBody, checked_geometry
from matching import rules
from matching.requests import (
    MAX_CORRIDOR_M,
    MAX_LIMIT,
    MAX_RADIUS_M,
    InvalidRequest,
    RouteRequest,
    SiteRequest,
)
from registry.errors import ValidationFailed

GEOJSON = {
    "description": "GeoJSON geometry",
    "example": {"type": "Point", "coordinates": [108.366, 22.817]},
}


@dataclass(frozen=True)
class MatchInput:
    """A typed engine request and the deprecated field names the caller used, if any."""

    request: SiteRequest | RouteRequest
    deprecated: tuple[str, ...] = field(default=())


# The engine's own checks of single fields (matching.requests), said in its words here too, so
# that marshmallow reports them with every other bad field at once; the engine checks again.
def _metres(upper: float) -> validate.Range:
    return validate.Range(
        0, upper, min_inclusive=False, error=f"must be greater than 0 and at most {upper:g} m"
    )


def _some(needs: dict) -> None:
    if not needs:
        raise ValidationError("give at least one resource and its number of units")


def _needs(example: dict, resources) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        values=Units(strict=True),
        required=True,
        validate=[_some, known(resources, "unknown resource")],
        metadata={"example": example, "description": "units needed per resource"},
    )


class _MatchSchema(GeometryBody, Schema):
    """Shared parts: the deprecated geometry alias and the engine's own checks as 422s."""

    OLD_NAME = ""  # the deprecated name of `geometry` in this request
    GEOM_TYPE = ""

    limit = Count(1, MAX_LIMIT, strict=True)

    @pre_load
    def _old_name(self, data, **_kw):
        if isinstance(data, dict) and self.OLD_NAME in data:
            data = dict(data)
            if "geometry" in data:
                raise ValidationError(
                    f"send geometry only ({self.OLD_NAME} is its old name)", self.OLD_NAME
                )
            data["geometry"] = data.pop(self.OLD_NAME)
        return data

    def _used_old_name(self, original) -> bool:
        return isinstance(original, dict) and self.OLD_NAME in original

    def geometry_fields(self, raw: dict) -> list[tuple[str, tuple[str, ...]]]:
        old = self.OLD_NAME in raw and "geometry" not in raw
        return [(self.OLD_NAME if old else "geometry", (self.GEOM_TYPE,))]

    # The geometry and the engine's own checks run after marshmallow's (when it found no bad
    # field); they answer in the registry's error shape (the field at the top level).
    def _geometry(self, data, field_name: str):
        return checked_geometry(data["geometry"], field_name, (self.GEOM_TYPE,))

    def _typed(self, make, data, field_name: str):
        try:
            return make()
        except InvalidRequest as exc:
            name = field_name if exc.field in ("location", "route") else exc.field
            raise ValidationFailed(name, exc.message) from None


class SiteMatchSchema(_MatchSchema):
    """A planned site: a Point, a search radius and the units it needs."""

    OLD_NAME, GEOM_TYPE = "location", "Point"

    geometry = fields.Dict(
        required=True,
        metadata=GEOJSON,
        error_messages={
            "required": "is required: the planned site as a GeoJSON Point (formerly location)"
        },
    )
    radius_m = Number(required=True, validate=_metres(MAX_RADIUS_M), metadata={"example": 500})
    needs = _needs({"antenna_mount": 1}, rules.SITE_RESOURCES)
    min_height_m = Number(
        allow_none=True, validate=_metres(1_000.0), metadata={"description": "lowest mount height"}
    )
    kinds = fields.List(
        fields.String(),
        validate=known(rules.KINDS, "unknown kind"),
        metadata={"description": "only these asset kinds"},
    )
    sectors = fields.List(
        fields.String(),
        validate=known(rules.SECTORS, "unknown sector"),
        metadata={"description": "only owners of these sectors"},
    )

    @post_load(pass_original=True)
    def _request(self, data, original, **_kw) -> MatchInput:
        old = self._used_old_name(original)
        name = self.OLD_NAME if old else "geometry"
        location = self._geometry(data, name)

        def make():
            return SiteRequest(
                location=location,
                radius_m=data["radius_m"],
                needs=data["needs"],
                min_height_m=data.get("min_height_m"),
                kinds=data.get("kinds"),
                sectors=data.get("sectors"),
                limit=data.get("limit", 10),
            )

        request = self._typed(make, data, name)
        return MatchInput(request, (self.OLD_NAME,) if old else ())


class RouteMatchSchema(_MatchSchema):
    """A planned route: a LineString, a corridor width and the units it needs."""

    OLD_NAME, GEOM_TYPE = "route", "LineString"

    geometry = fields.Dict(
        required=True,
        metadata={"description": "GeoJSON LineString"},
        error_messages={
            "required": "is required: the planned route as a GeoJSON LineString (formerly route)"
        },
    )
    corridor_m = Number(required=True, validate=_metres(MAX_CORRIDOR_M), metadata={"example": 50})
    needs = _needs({"fiber_core": 12}, rules.ROUTE_RESOURCES)
    share_threshold = Number(
        validate=validate.Range(0, 1, error="must be a number from 0 to 1"),
        metadata={"description": "coverage from which to share"},
    )

    @post_load(pass_original=True)
    def _request(self, data, original, **_kw) -> MatchInput:
        old = self._used_old_name(original)
        name = self.OLD_NAME if old else "geometry"
        route = self._geometry(data, name)

        def make():
            return RouteRequest(
                route=route,
                corridor_m=data["corridor_m"],
                needs=data["needs"],
                limit=data.get("limit", 10),
                share_threshold=data.get("share_threshold", 0.8),
            )

        request = self._typed(make, data, name)
        return MatchInput(request, (self.OLD_NAME,) if old else ())
