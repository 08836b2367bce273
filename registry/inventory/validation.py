"""Invariants of assets in one place: kind vs geometry, typed attributes, capacity totals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from registry.db.geometry import check_asset_geometry, parse_geojson
from registry.errors import InvalidAttribute, InvalidCapacity, ValidationFailed
from registry.inventory.vocabulary import (
    ATTRIBUTES_BY_KIND,
    MAX_UNITS,
    RESOURCES_BY_KIND,
    AttributeSpec,
    Kind,
    Resource,
    Sensitivity,
    Status,
)
from registry.planning.terms import split_common

BASE_PROPERTIES = {"kind", "owner_id", "owner_ref", "status", "sensitivity", "capacity"}
MAX_OWNER_REF = 200


@dataclass(frozen=True)
class CapacitySpec:
    """Declared capacity of one resource: `total` units, optional height per mount position."""

    total: int
    heights: tuple[float, ...] | None = None

    def as_json(self) -> dict:
        out = {"total": self.total}
        if self.heights is not None:
            out["heights"] = list(self.heights)
        return out


@dataclass
class AssetInput:
    """A validated asset, ready for a service to store."""

    kind: Kind
    owner_id: int
    owner_ref: str
    geometry: BaseGeometry
    status: Status = Status.IN_SERVICE
    sensitivity: Sensitivity = Sensitivity.PUBLIC
    attributes: dict = field(default_factory=dict)
    capacity: dict[Resource, CapacitySpec] = field(default_factory=dict)


def choice(enum_cls, value, field_name: str):
    """Coerce a word into one of an enum's values, naming the allowed ones when it is not."""
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_cls)
        raise ValidationFailed(field_name, f"{value!r} is not one of: {allowed}") from None


def validate_owner_ref(value) -> str:
    """An owner_ref is a non-blank string of at most 200 characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("properties.owner_ref", "must be a non-empty string")
    if len(value) > MAX_OWNER_REF:
        raise ValidationFailed("properties.owner_ref", f"must be at most {MAX_OWNER_REF} chars")
    return value.strip()


def validate_attribute(kind: Kind, name: str, value, spec: AttributeSpec):
    """Check one typed attribute of a kind; returns the normalised value."""
    where = f"properties.{name}"
    if value is None:
        return None
    if spec.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidAttribute(where, "must be a number")
        if not math.isfinite(value):
            raise InvalidAttribute(where, "must be a finite number")
        if spec.minimum is not None and value < spec.minimum:
            raise InvalidAttribute(where, f"must be at least {spec.minimum:g}")
        if spec.maximum is not None and value > spec.maximum:
            raise InvalidAttribute(where, f"must be at most {spec.maximum:g} for a {kind}")
        return float(value)
    if not isinstance(value, str):
        raise InvalidAttribute(where, "must be a string")
    if spec.choices and value not in spec.choices:
        raise InvalidAttribute(where, f"{value!r} is not one of: {', '.join(spec.choices)}")
    if len(value) > spec.max_length:
        raise InvalidAttribute(where, f"must be at most {spec.max_length} characters")
    return value


def validate_attributes(kind: Kind, attrs: dict) -> dict:
    """Validate every attribute against the kind's table; unknown names are rejected."""
    specs = ATTRIBUTES_BY_KIND[kind]
    out = {}
    for name, value in attrs.items():
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            raise InvalidAttribute(
                f"properties.{name}", f"is not an attribute of a {kind} (known: {known})"
            )
        normalised = validate_attribute(kind, name, value, specs[name])
        if normalised is not None:
            out[name] = normalised
    return out


def validate_capacity(kind: Kind, capacity) -> dict[Resource, CapacitySpec]:
    """Validate a capacity mapping such as {"fiber_core": {"total": 48}}."""
    if capacity is None:
        return {}
    if not isinstance(capacity, dict):
        raise InvalidCapacity("properties.capacity", "must be an object keyed by resource")
    out = {}
    for name, spec in capacity.items():
        where = f"properties.capacity.{name}"
        resource = choice(Resource, name, where)
        if resource not in RESOURCES_BY_KIND[kind]:
            offered = ", ".join(sorted(RESOURCES_BY_KIND[kind])) or "no shareable resource"
            raise InvalidCapacity(where, f"a {kind} offers {offered}")
        out[resource] = _capacity_spec(resource, spec, where)
    return out


def _capacity_spec(resource: Resource, spec, where: str) -> CapacitySpec:
    if not isinstance(spec, dict) or "total" not in spec:
        raise InvalidCapacity(where, 'must be an object like {"total": 6}')
    unknown = set(spec) - {"total", "heights"}
    if unknown:
        raise InvalidCapacity(f"{where}.{sorted(unknown)[0]}", "is not a capacity field")
    total = spec["total"]
    if isinstance(total, bool) or not isinstance(total, int):
        raise InvalidCapacity(f"{where}.total", "must be a whole number")
    if total < 0:
        raise InvalidCapacity(f"{where}.total", "must not be negative")
    if total > MAX_UNITS[resource]:
        raise InvalidCapacity(f"{where}.total", f"must be at most {MAX_UNITS[resource]}")
    heights = spec.get("heights")
    if heights is not None:
        heights = _heights(resource, heights, total, f"{where}.heights")
    return CapacitySpec(total=total, heights=heights)


def _heights(resource, heights, total, where) -> tuple[float, ...]:
    if resource != Resource.ANTENNA_MOUNT:
        raise InvalidCapacity(where, "only antenna_mount positions have heights")
    if not isinstance(heights, list) or len(heights) != total:
        raise InvalidCapacity(where, f"must be a list of {total} heights, one per position")
    for h in heights:
        if isinstance(h, bool) or not isinstance(h, (int, float)) or not 0 <= h <= 900:
            raise InvalidCapacity(where, "each height must be a number of metres, 0 to 900")
    return tuple(float(h) for h in heights)


def parse_asset_feature(feature: dict, owner_id: int | None = None) -> AssetInput:
    """Validate a whole GeoJSON Feature (as POST/PUT take it) into an AssetInput."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValidationFailed("type", 'must be "Feature"')
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ValidationFailed("properties", "must be an object")
    if "kind" not in props:
        raise ValidationFailed("properties.kind", "is required")
    kind = choice(Kind, props["kind"], "properties.kind")
    if owner_id is None:
        owner_id = props.get("owner_id")
    if isinstance(owner_id, bool) or not isinstance(owner_id, int):
        raise ValidationFailed("properties.owner_id", "is required and must be an integer")
    geometry = parse_geojson(feature.get("geometry"), "geometry")
    check_asset_geometry(kind, geometry, "geometry")
    # open_terms and planned_date are accepted for every kind (registry.planning.terms).
    attrs, common = split_common({k: v for k, v in props.items() if k not in BASE_PROPERTIES})
    return AssetInput(
        kind=kind,
        owner_id=owner_id,
        owner_ref=validate_owner_ref(props.get("owner_ref")),
        geometry=geometry,
        status=choice(Status, props.get("status", Status.IN_SERVICE), "properties.status"),
        sensitivity=choice(
            Sensitivity, props.get("sensitivity", Sensitivity.PUBLIC), "properties.sensitivity"
        ),
        attributes={**validate_attributes(kind, attrs), **common},
        capacity=validate_capacity(kind, props.get("capacity")),
    )
