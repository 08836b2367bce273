"""Typed values from GIS cells: numbers, whole numbers, lists and JSON from text or numpy."""

from __future__ import annotations

import json
import math

from registry.errors import ValidationFailed
from registry.inventory.vocabulary import ATTRIBUTES_BY_KIND

NUMERIC_ATTRIBUTES = frozenset(
    name for specs in ATTRIBUTES_BY_KIND.values() for name, s in specs.items() if s.type is float
)
CAPACITY_KEYS = ("total", "heights")


def is_empty(value) -> bool:
    """None, blank text and NaN (how GIS files say "no value")."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _number(value, where: str, source: str | None) -> float:
    if isinstance(value, bool):
        raise ValidationFailed(where, "must be a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().removesuffix("m").strip()
    try:
        return float(text)
    except ValueError:
        origin = f" (source field {source!r})" if source else ""
        raise ValidationFailed(where, f"{value!r} is not a number{origin}") from None


def _integer(value, where: str, source: str | None):
    number = _number(value, where, source)
    if not math.isfinite(number) or not number.is_integer():
        raise ValidationFailed(where, f"{value!r} is not a whole number")
    return int(number)


def _number_list(value, where: str) -> list:
    text = str(value).strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValidationFailed(where, f"{value!r} is not a JSON list") from None
    return [_number(part, where, None) for part in text.replace(",", ";").split(";")]


def _boolean(value, where: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "y", "t"):
        return True
    if text in ("false", "0", "no", "n", "f"):
        return False
    raise ValidationFailed(where, f"{value!r} is not true or false")


def _json(value, where: str):
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise ValidationFailed(where, f"{value!r} is not valid JSON") from None


def convert(value, type_: str, where: str, source: str | None = None):
    """Convert a cell to `type_` (number, integer, string, boolean, json, number_list)."""
    if type_ == "number":
        return _number(value, where, source)
    if type_ == "integer":
        return _integer(value, where, source)
    if type_ == "boolean":
        return _boolean(value, where)
    if type_ == "json":
        return _json(value, where)
    if type_ == "number_list":
        return _number_list(value, where)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def capacity_object(value) -> dict:
    """A capacity object (or its JSON text) with only what an import declares: total, heights.

    Exports add allocated/free/units; those are the registry's to compute, so they are dropped.
    """
    value = _json(value, "properties.capacity")
    if not isinstance(value, dict):
        raise ValidationFailed("properties.capacity", "must be an object keyed by resource")
    out = {}
    for resource, spec in value.items():
        if isinstance(spec, dict):
            spec = {k: v for k, v in spec.items() if k in CAPACITY_KEYS and not is_empty(v)}
            if not spec:
                continue
        out[resource] = spec
    return out
