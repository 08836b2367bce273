"""Attributes every kind may carry: `open_terms` (the open directory) and `planned_date`."""

from __future__ import annotations

import datetime as dt
import math
import re

from registry.errors import ValidationFailed

OPEN_TERMS = "open_terms"
PLANNED_DATE = "planned_date"
COMMON_ATTRIBUTES = (OPEN_TERMS, PLANNED_DATE)
TERM_FIELDS = ("price_per_unit_year", "currency", "contact", "conditions", "valid_until")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_PRICE = 1e12


def iso_date(value, where: str) -> str:
    """A calendar date written YYYY-MM-DD, returned in that form."""
    if not isinstance(value, str):
        raise ValidationFailed(where, "must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValidationFailed(where, f"{value!r} is not a date written YYYY-MM-DD") from None


def _text(terms: dict, name: str, where: str, required: bool, max_length: int) -> str | None:
    value = terms.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"{where}.{name}", "is required and must be non-empty text")
    if len(value) > max_length:
        raise ValidationFailed(f"{where}.{name}", f"must be at most {max_length} characters")
    return value.strip()


def validate_open_terms(terms, where: str = f"properties.{OPEN_TERMS}") -> dict:
    """The published terms of an asset opened to telecom use, checked field by field."""
    if not isinstance(terms, dict):
        raise ValidationFailed(where, f"must be an object with {', '.join(TERM_FIELDS)}")
    unknown = sorted(set(terms) - set(TERM_FIELDS))
    if unknown:
        raise ValidationFailed(f"{where}.{unknown[0]}", f"is not a term ({', '.join(TERM_FIELDS)})")
    price = terms.get("price_per_unit_year")
    if isinstance(price, bool) or not isinstance(price, int | float) or not math.isfinite(price):
        raise ValidationFailed(f"{where}.price_per_unit_year", "is required and must be a number")
    if not 0 <= price <= MAX_PRICE:
        raise ValidationFailed(f"{where}.price_per_unit_year", "must be between 0 and 1e12")
    currency = terms.get("currency")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise ValidationFailed(f"{where}.currency", "must be an ISO 4217 code such as CNY or EUR")
    if "valid_until" not in terms:
        raise ValidationFailed(f"{where}.valid_until", "is required: a date written YYYY-MM-DD")
    out = {
        "price_per_unit_year": float(price),
        "currency": currency,
        "contact": _text(terms, "contact", where, True, 200),
        "valid_until": iso_date(terms["valid_until"], f"{where}.valid_until"),
    }
    conditions = _text(terms, "conditions", where, False, 2000)
    if conditions is not None:
        out["conditions"] = conditions
    return out


def split_common(attrs: dict) -> tuple[dict, dict]:
    """(the kind's own attributes, the validated common ones) of a Feature's extra properties."""
    own = {k: v for k, v in attrs.items() if k not in COMMON_ATTRIBUTES}
    common = {}
    if attrs.get(OPEN_TERMS) is not None:
        common[OPEN_TERMS] = validate_open_terms(attrs[OPEN_TERMS])
    if attrs.get(PLANNED_DATE) is not None:
        common[PLANNED_DATE] = iso_date(attrs[PLANNED_DATE], f"properties.{PLANNED_DATE}")
    return own, common
