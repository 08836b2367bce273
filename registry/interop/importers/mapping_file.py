"""Reading mapping YAML (see registry.interop.importers.mapping) into a checked Mapping."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from registry.errors import ValidationFailed
from registry.interop.importers.mapping import Mapping, Rule, _norm, template_fields
from registry.interop.importers.repair import REPAIRS

TOP_KEYS = {"crs", "layer", "geometry", "where", "repair", "fields"}
RULE_KEYS = {"field", "value", "template", "type", "map", "default", "pattern", "scale",
             "number_repeats"}  # fmt: skip
TYPES = (None, "number", "integer", "string", "boolean", "json")


def load_mapping(path: str | Path | None) -> Mapping:
    """Read a mapping file; None gives the identity mapping (the registry's own names)."""
    if path is None:
        return Mapping()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValidationFailed("mapping", "is not UTF-8 text: save it as UTF-8") from None
    return parse_mapping(text)


def _yaml_error(exc: yaml.YAMLError) -> str:
    """Where the YAML breaks and what the parser expected, on one line (its own text spans
    several lines and names its internal "<unicode string>" stream)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or "it cannot be read"
    return f"is not valid YAML{where}: {problem}"


def parse_mapping(source: str | dict) -> Mapping:
    """Parse mapping YAML text (or an already parsed dict); ValidationFailed names the key."""
    doc = source
    if isinstance(source, str):
        try:
            doc = yaml.safe_load(source) or {}
        except yaml.YAMLError as exc:
            raise ValidationFailed("mapping", _yaml_error(exc)) from None
    if not isinstance(doc, dict):
        raise ValidationFailed("mapping", "must be a YAML mapping")
    unknown = set(doc) - TOP_KEYS
    if unknown:
        raise ValidationFailed(f"mapping.{sorted(unknown)[0]}", f"is not one of {sorted(TOP_KEYS)}")
    fields = doc.get("fields")
    if fields is not None and not isinstance(fields, dict):
        raise ValidationFailed("mapping.fields", "must map registry properties to sources")
    return Mapping(
        rules=None if fields is None else tuple(_rule(str(t), s) for t, s in fields.items()),
        where=_dict(doc, "where"),
        crs=doc.get("crs"),
        layer=doc.get("layer"),
        geometry=_dict(doc, "geometry"),
        repair=_repairs(doc.get("repair")),
    )


def _dict(doc: dict, key: str) -> dict:
    value = doc.get(key) or {}
    if not isinstance(value, dict):
        raise ValidationFailed(f"mapping.{key}", "must be a mapping")
    return value


def _repairs(value) -> tuple[str, ...]:
    names = [value] if isinstance(value, str) else list(value or [])
    bad = [n for n in names if n not in REPAIRS]
    if bad:
        raise ValidationFailed("mapping.repair", f"{bad[0]!r} is not one of {sorted(REPAIRS)}")
    return tuple(names)


def _rule(target: str, spec) -> Rule:
    if isinstance(spec, str):
        return Rule(target, template=spec) if template_fields(spec) else Rule(target, field=spec)
    if not isinstance(spec, dict):
        return Rule(target, value=spec)
    where = f"mapping.fields.{target}"
    unknown = set(spec) - RULE_KEYS
    if unknown:
        raise ValidationFailed(where, f"{sorted(unknown)[0]!r} is not one of {sorted(RULE_KEYS)}")
    if sum(k in spec for k in ("field", "value", "template")) != 1:
        raise ValidationFailed(where, "give exactly one of field, value or template")
    if spec.get("type") not in TYPES:
        raise ValidationFailed(where, "type must be number, integer, string, boolean or json")
    mapped = spec.get("map")
    if mapped is not None and not isinstance(mapped, dict):
        raise ValidationFailed(f"{where}.map", "must map source values to registry values")
    return Rule(
        target,
        field=spec.get("field"),
        value=spec.get("value"),
        template=spec.get("template"),
        type=spec.get("type"),
        map={_norm(k): v for k, v in mapped.items()} if mapped else None,
        default=spec.get("default"),
        pattern=_pattern(spec.get("pattern"), where),
        scale=_scale(spec.get("scale"), where),
        number_repeats=bool(spec.get("number_repeats")),
    )


def _pattern(text, where: str) -> re.Pattern | None:
    if text is None:
        return None
    try:
        return re.compile(str(text), re.IGNORECASE)
    except re.error as exc:
        raise ValidationFailed(f"{where}.pattern", f"is not a regular expression ({exc})") from None


def _scale(value, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationFailed(f"{where}.scale", "must be a number")
    return float(value)
