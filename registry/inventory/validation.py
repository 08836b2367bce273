"""Invariants of assets in one place: kind vs geometry, typed attributes, capacity totals."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from shapely.geometry.base import BaseGeometry

from registry.db.geometry import check_asset_geometry, parse_geojson
from registry.errors import (
    InvalidAttribute,
    InvalidCapacity,
    Problems,
    ValidationFailed,
)
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
from registry.planning.terms import COMMON_ATTRIBUTES, split_common

BASE_PROPERTIES = {"kind", "owner_id", "owner_ref", "status", "sensitivity", "capacity"}
MAX_OWNER_REF = 200
MAX_ID = 2**31 - 1  # ids are INTEGER columns (32-bit on PostgreSQL)
# Kinds whose height_m is the top of the structure: no mount can sit above it. (A rooftop's
# height_m is the building's; masts on the roof put mounts above it.)
TOPPED_KINDS = {Kind.TOWER, Kind.POLE}


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


def _finite(value) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float: not a measurement
        return False


def validate_attribute(kind: Kind, name: str, value, spec: AttributeSpec):
    """Check one typed attribute of a kind; returns the normalised value."""
    where = f"properties.{name}"
    if value is None:
        return None
    if spec.type is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidAttribute(where, "must be a number")
        if not _finite(value):
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


def collect_attributes(kind: Kind, attrs: dict, problems: Problems) -> dict:
    """The valid attributes; what is wrong with the others goes to `problems`."""
    specs = ATTRIBUTES_BY_KIND[kind]
    out = {}
    for name, value in attrs.items():
        if name not in specs:
            known = ", ".join(sorted(specs)) or "none"
            problems.found.append(
                InvalidAttribute(
                    f"properties.{name}", f"is not an attribute of a {kind} (known: {known})"
                )
            )
            continue
        normalised = problems.run(validate_attribute, kind, name, value, specs[name])
        if normalised is not None:
            out[name] = normalised
    return out


def collect_capacity(kind: Kind, capacity, problems: Problems) -> dict[Resource, CapacitySpec]:
    """The valid resources' specs; what is wrong with the others goes to `problems`."""
    if capacity is None:
        return {}
    if not isinstance(capacity, dict):
        problems.found.append(
            InvalidCapacity("properties.capacity", "must be an object keyed by resource")
        )
        return {}
    out = {}
    for name, spec in capacity.items():
        parsed = problems.run(_one_capacity, kind, name, spec)
        if parsed is not None:
            out[parsed[0]] = parsed[1]
    return out


def _one_capacity(kind: Kind, name: str, spec) -> tuple[Resource, CapacitySpec]:
    where = f"properties.capacity.{name}"
    resource = choice(Resource, name, where)
    if resource not in RESOURCES_BY_KIND[kind]:
        offered = ", ".join(sorted(RESOURCES_BY_KIND[kind])) or "no shareable resource"
        raise InvalidCapacity(where, f"a {kind} offers {offered}")
    return resource, _capacity_spec(resource, spec, where)


def check_mounts_fit(kind: Kind, attributes: dict, capacity: dict) -> None:
    """A tower's or pole's antenna mounts cannot sit above its top (height_m)."""
    top = attributes.get("height_m")
    mounts = capacity.get(Resource.ANTENNA_MOUNT)
    if kind not in TOPPED_KINDS or top is None or mounts is None or not mounts.heights:
        return
    highest = max(mounts.heights)
    if highest > top:
        raise InvalidCapacity(
            "properties.capacity.antenna_mount.heights",
            f"a mount at {highest:g} m is above the {kind}'s height_m of {top:g} m; "
            "lower the mount or correct height_m",
        )


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


def _kind(props: dict) -> Kind:
    if "kind" not in props:
        raise ValidationFailed("properties.kind", "is required")
    return choice(Kind, props["kind"], "properties.kind")


def _owner(owner_id) -> int:
    if isinstance(owner_id, bool) or not isinstance(owner_id, int):
        raise ValidationFailed("properties.owner_id", "is required and must be an integer")
    if not 1 <= owner_id <= MAX_ID:
        raise ValidationFailed("properties.owner_id", "must be an organisation's id (1 up)")
    return owner_id


def _geometry(kind: Kind | None, obj) -> BaseGeometry:
    geometry = parse_geojson(obj, "geometry")
    if kind is not None:
        check_asset_geometry(kind, geometry, "geometry")
    return geometry


def parse_asset_feature(feature: dict, owner_id: int | None = None) -> AssetInput:
    """Validate a whole GeoJSON Feature (as POST/PUT take it) into an AssetInput.

    Every bad field is reported at once (InvalidFields), not only the first.
    """
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ValidationFailed("type", 'must be "Feature"')
    props = feature.get("properties")
    if not isinstance(props, dict):
        raise ValidationFailed("properties", "must be an object")
    p = Problems()
    kind = p.run(_kind, props)
    owner = p.run(_owner, props.get("owner_id") if owner_id is None else owner_id)
    geometry = p.run(_geometry, kind, feature.get("geometry"))
    owner_ref = p.run(validate_owner_ref, props.get("owner_ref"))
    status = p.run(choice, Status, props.get("status", Status.IN_SERVICE), "properties.status")
    sensitivity = p.run(
        choice, Sensitivity, props.get("sensitivity", Sensitivity.PUBLIC), "properties.sensitivity"
    )
    attrs, common, capacity = {}, {}, {}
    if kind is not None:
        extra = {k: v for k, v in props.items() if k not in BASE_PROPERTIES}
        # open_terms and planned_date are accepted for every kind (registry.planning.terms).
        own = {k: v for k, v in extra.items() if k not in COMMON_ATTRIBUTES}
        common = p.run(lambda: split_common(extra)[1], default={})
        attrs = collect_attributes(kind, own, p)
        capacity = collect_capacity(kind, props.get("capacity"), p)
        p.run(check_mounts_fit, kind, attrs, capacity)
    p.raise_any()
    return AssetInput(
        kind=kind,
        owner_id=owner,
        owner_ref=owner_ref,
        geometry=geometry,
        status=status,
        sensitivity=sensitivity,
        attributes={**attrs, **common},
        capacity=capacity,
    )
