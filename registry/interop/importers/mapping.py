"""Field mappings: which source fields give owner_ref, kind, status, attributes and capacity.

A mapping file is YAML (registry.interop.importers.mapping_file; see seed_data/mappings/):

    crs: EPSG:2039                 # the source CRS when the file declares none (CSV)
    layer: towers                  # the layer of a GeoPackage or KML file
    geometry: {x: easting, y: northing}   # CSV geometry columns (or {wkt: shape})
    where: {power: tower}          # keep only these features; the others are skipped
    repair: [drop_loops]           # cut digitising loops out of lines (OSM-derived data)
    fields:                        # registry property <- source
      owner_ref: "osm-node-{osm_id}"          # a template of source fields
      kind: {value: tower}                     # a constant
      height_m: {field: height, type: number}  # a field, converted
      status: {field: state, map: {live: in_service}, default: in_service}
      voltage_kv: {field: voltage, type: number, scale: 0.001}
      capacity.fiber_core.total: cores         # a plain string names a source field
      "*": attributes                          # spread a JSON object field

Without a mapping, source fields are taken by the registry's own names (what the exporters
write): kind, owner_ref, status, sensitivity, the kind's attributes, and capacity as an
object or as `capacity.<resource>.total` / `.heights` columns.
"""

from __future__ import annotations

import json
import math
import re
import string
from dataclasses import dataclass, field

from registry.errors import ValidationFailed
from registry.interop.importers.convert import (
    NUMERIC_ATTRIBUTES,
    capacity_object,
    convert,
    is_empty,
)

# Properties the exporters add that an import recomputes or ignores; KML's own fields.
DERIVED = frozenset(
    {"id", "fid", "owner_id", "owner_name", "owner_sector", "created_at", "updated_at",
     "masked", "distance_m", "Name", "description", "timestamp", "begin", "end",
     "altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon", "snippet"}
)  # fmt: skip
REPEAT_KEY = "\x00repeat"  # injected into a record when the mapping numbers repeated refs


@dataclass(frozen=True)
class Rule:
    """How one registry property is made from a source record."""

    target: str
    field: str | None = None
    value: object = None
    template: str | None = None
    type: str | None = None
    map: dict | None = None
    default: object = None
    pattern: re.Pattern | None = None
    scale: float | None = None
    number_repeats: bool = False

    def source_value(self, record: dict):
        """The raw value for this rule, before mapping and conversion."""
        if self.template is not None:
            return render(self.template, record, self.target)
        if self.field is not None:
            return record.get(self.field)
        return self.value

    def value_for(self, record: dict):
        """The converted value (None when the source gives none and there is no default)."""
        value = self.source_value(record)
        if self.pattern is not None and not is_empty(value):
            match = self.pattern.search(str(value))
            value = (match.group(1) if match.groups() else match.group(0)) if match else None
        if self.map is not None and not is_empty(value):
            value = self.map.get(_norm(value), value)
        if is_empty(value):
            value = self.default
        if is_empty(value):
            return None
        if self.type is not None:
            value = convert(value, self.type, f"properties.{self.target}", self.field)
        if self.scale is not None:
            value = convert(value, "number", f"properties.{self.target}", self.field) * self.scale
        if self.number_repeats and REPEAT_KEY in record:
            value = f"{value}-{record[REPEAT_KEY]}"
        return value


@dataclass(frozen=True)
class Mapping:
    """A parsed mapping; `rules` is None for the registry's own field names."""

    rules: tuple[Rule, ...] | None = None
    where: dict = field(default_factory=dict)
    crs: str | None = None
    layer: str | None = None
    geometry: dict = field(default_factory=dict)
    repair: tuple[str, ...] = ()

    @property
    def repeat_rule(self) -> Rule | None:
        return next((r for r in self.rules or () if r.number_repeats), None)

    def keeps(self, record: dict) -> bool:
        """False when the `where` filter skips this record."""
        return all(_matches(record.get(k), v) for k, v in self.where.items())

    def ref_of(self, record: dict) -> str | None:
        """The owner_ref this record names, if it can be told (for the report and --prune)."""
        try:
            if self.rules is None:
                value = record.get("owner_ref")
            else:
                rule = next((r for r in self.rules if r.target == "owner_ref"), None)
                value = rule.value_for(record) if rule else None
        except ValidationFailed:
            return None
        if is_empty(value):
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def apply(self, record: dict) -> dict:
        """The Feature properties (without owner_id) for one record; ValidationFailed if bad."""
        props = _identity(record) if self.rules is None else _mapped(self.rules, record)
        return _coerce(props)


def _norm(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip().lower()


def _matches(value, wanted) -> bool:
    options = wanted if isinstance(wanted, list) else [wanted]
    return _norm(value) in {_norm(w) for w in options}


def render(template: str, record: dict, target: str) -> str:
    """Fill a "{field}" template from a record; a missing or empty field is an error."""
    try:
        values = {k: _template_value(record[k], k, target) for k in template_fields(template)}
    except KeyError as exc:
        raise ValidationFailed(f"properties.{target}", f"source field {exc} is missing") from None
    return template.format_map(values)


def template_fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _template_value(value, name: str, target: str):
    if is_empty(value):
        raise ValidationFailed(f"properties.{target}", f"source field {name!r} is empty")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _identity(record: dict) -> dict:
    props: dict = {}
    for name, value in record.items():
        if name in DERIVED or name == REPEAT_KEY or is_empty(value):
            continue
        if name == "capacity":
            props["capacity"] = {**props.get("capacity", {}), **capacity_object(value)}
        elif name.startswith("capacity."):
            _put(props, name, value)
        else:
            props[name] = value
    return props


def _mapped(rules: tuple[Rule, ...], record: dict) -> dict:
    props: dict = {}
    for rule in rules:
        value = rule.value_for(record)
        if value is None:
            continue
        if rule.target == "*":
            props.update(_spread(value, rule.field))
        else:
            _put(props, rule.target, value)
    return props


def _spread(value, source: str | None) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise ValidationFailed("properties", f"source field {source!r} is not a JSON object")
    return {k: v for k, v in value.items() if not is_empty(v)}


def _put(props: dict, target: str, value) -> None:
    if target == "capacity":
        props["capacity"] = {**props.get("capacity", {}), **capacity_object(value)}
        return
    if target.startswith("capacity."):
        _, resource, key = [*target.split("."), "total"][:3]
        if key in ("free", "allocated"):
            return  # derived by the registry; an export carries them, an import ignores them
        props.setdefault("capacity", {}).setdefault(resource, {})[key] = value
        return
    props[target] = value


def _coerce(props: dict) -> dict:
    """Text from CSV/KML/Shapefile cells becomes the types the registry validates."""
    for name in NUMERIC_ATTRIBUTES & props.keys():
        if isinstance(props[name], str):
            props[name] = convert(props[name], "number", f"properties.{name}")
    for key in ("kind", "status", "sensitivity", "owner_ref"):
        value = props.get(key)
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            props[key] = str(int(value))
        elif value is not None and not isinstance(value, str):
            props[key] = str(value)
    for resource, spec in (props.get("capacity") or {}).items():
        where = f"properties.capacity.{resource}"
        if isinstance(spec, dict) and "total" in spec:
            spec["total"] = convert(spec["total"], "integer", f"{where}.total")
        if isinstance(spec, dict) and isinstance(spec.get("heights"), str):
            spec["heights"] = convert(spec["heights"], "number_list", f"{where}.heights")
    return props
