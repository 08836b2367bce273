"""Bounded input fields and URL converters: numbers the database can hold, or a clear 4xx.

The registry's ids are INTEGER columns (32-bit on PostgreSQL) and SQL's offsets 64-bit.
Python's int is unbounded, so an unchecked 2**31 or 2**63 in a path, a filter or a body reaches
the database driver and fails there (OverflowError on SQLite, NumericValueOutOfRange on
PostgreSQL): a 500. These fields and the `int` converter stop such numbers at the edge.
"""

from __future__ import annotations

import datetime as dt
import math

from flask import request
from marshmallow import ValidationError, fields, validate
from werkzeug.routing import IntegerConverter

from registry.errors import InvalidFields, ValidationFailed
from registry.inventory.models import utcnow
from registry.inventory.validation import MAX_ID
from registry.inventory.vocabulary import MAX_UNITS

MAX_INT = 2**63 - 1
MOST_UNITS = max(MAX_UNITS.values())  # the largest asset offers this many units of a resource
# How far ahead a plan may be dated. Beyond it a date is a typo (20277-03-01), and the co-build
# window around 9999-12-31 lies past the last date Python and SQL can hold: a 500.
YEARS_AHEAD = 10


def _refuse_text(value, wording: str) -> None:
    """A JSON body's number sent as text ("50"): say so, and how to write it."""
    if not isinstance(value, str):
        return
    try:
        numeric = math.isfinite(float(value))
    except ValueError:
        numeric = False
    if numeric:
        raise ValidationError(f"{wording}, not text: write {value} without the quotes")
    raise ValidationError(wording)


class Number(fields.Float):
    """A number in a JSON body: a JSON number, never text. (A query string's values are text
    by nature: its numbers are plain `fields.Float`, which reads "50" as 50.)"""

    # marshmallow's "Number too large." for an integer beyond any float (10**400).
    default_error_messages = {"too_large": "is too large a number"}

    def _deserialize(self, value, attr, data, **kwargs):
        _refuse_text(value, "must be a number")
        return super()._deserialize(value, attr, data, **kwargs)


class _WholeNumber(fields.Integer):
    """A whole number in a JSON body (strict: 2.5 and "2" are refused, "2" naming the fix)."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        _refuse_text(value, "must be a whole number")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Boolean):
    """true or false in a JSON body: a JSON boolean, never "yes", "true" or 1. (A query
    string's flags are text by nature: they stay plain `fields.Boolean`.)"""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            word = value.strip().lower()
            raise ValidationError(
                f"must be true or false, not text: write {word} without the quotes"
            )
        raise ValidationError("must be true or false (a JSON boolean, without quotes)")


def one_of(choices) -> validate.OneOf:
    """A word from a vocabulary; the message lists it as the API spells it (marshmallow's
    reads "Must be one of: ... ." with a capital and a full stop)."""
    return validate.OneOf(choices, error="must be one of: {choices}")


def text_length(least: int = 0, most: int | None = None) -> validate.Length:
    """Text of `least` to `most` characters, said in plain words (not "Length must be
    between 1 and 4000.")."""
    if least == 1 and most:
        error = f"must be non-empty text of at most {most} characters"
    elif most:
        error = f"must be at most {most} characters" + (f", at least {least}" if least else "")
    else:
        error = f"must be at least {least} characters"
    return validate.Length(least or None, most, error=error)


def quoted(word: str, most: int = 40) -> str:
    """A word the caller sent, quoted for a message: cut short, for a key can be megabytes."""
    return repr(word if len(word) <= most else word[:most] + "...")


def known(vocabulary, word: str):
    """A validator of a list's values (or a mapping's keys): each one of `vocabulary`, or a
    message naming the first stranger and listing the vocabulary, e.g. "unknown kind 'x'; ..."."""

    def check(values) -> None:
        unknown = sorted(set(values) - set(vocabulary))
        if unknown:
            allowed = ", ".join(sorted(vocabulary))
            raise ValidationError(f"{word} {quoted(unknown[0])}; use one of {allowed}")

    return check


def _years_after(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February: the 28th in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _upcoming(day: dt.date) -> None:
    today = utcnow().date()  # the registry's clock, in UTC
    if day < today:
        raise ValidationError(f"{day} has passed: give today ({today}, UTC) or later")
    last = _years_after(today, YEARS_AHEAD)
    if day > last:
        raise ValidationError(f"must be within {YEARS_AHEAD} years: {last} at the latest")


def UpcomingDate(**kwargs) -> fields.Date:
    """A plan's date in a body: today (UTC) or later, at most YEARS_AHEAD years ahead. Only
    what callers ask is held to it: seeded and replayed histories go through the services."""
    return fields.Date(validate=_upcoming, **kwargs)


def _integer(**kwargs) -> fields.Integer:
    """strict=True: a JSON body's whole number (`_WholeNumber`); else one read from text too."""
    return _WholeNumber(**kwargs) if kwargs.pop("strict", False) else fields.Integer(**kwargs)


def Id(**kwargs) -> fields.Integer:
    """The id of a stored object: a whole number from 1 to 2**31 - 1 (strict=True in bodies)."""
    return _integer(
        validate=validate.Range(1, MAX_ID, error=f"must be an id: a whole number, 1 to {MAX_ID}"),
        **kwargs,
    )


def Count(minimum: int = 1, maximum: int = MAX_INT, **kwargs) -> fields.Integer:
    """A count of units or positions, within [minimum, maximum] (strict=True in bodies)."""
    upper = f" to {maximum}" if maximum < MAX_INT else " up"
    error = f"must be a whole number from {minimum}{upper}"
    return _integer(validate=validate.Range(minimum, maximum, error=error), **kwargs)


def Units(**kwargs) -> fields.Integer:
    """A number of units, or a unit's number: 1 up to the most any asset can offer."""
    return Count(1, MOST_UNITS, **kwargs)


def Offset(**kwargs) -> fields.Integer:
    """How many items a page skips: 0 up to 2**63 - 1."""
    kwargs.setdefault("load_default", 0)
    error = "must be a whole number from 0 up"
    return fields.Integer(validate=validate.Range(0, MAX_INT, error=error), **kwargs)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` in routes: a number beyond any id names nothing, so the route is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install_input_guards(app) -> None:
    """The bounded `int` converter for every route added after this call, and a check that
    no text anywhere in a request holds what no database column can store."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.before_request(refuse_unstorable_text)


def _unstorable(text: str) -> str | None:
    """Why PostgreSQL could not store this text (NUL, lone surrogate halves), or None."""
    if "\x00" in text:
        return "must not contain NUL (\\u0000) characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it holds half of a surrogate pair)"
    return None


def _walk(value, path: str, found: list[ValidationFailed]) -> None:
    if isinstance(value, str):
        reason = _unstorable(value)
        if reason:
            found.append(ValidationFailed(path or "body", reason))
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, f"{path} (a key)" if path else "body (a key)", found)
            _walk(item, f"{path}.{key}" if path else str(key), found)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}" if path else str(i), found)


def _may_hold_unstorable(body: bytes) -> bool:
    """Whether a JSON body could decode to a NUL or a lone surrogate half. JSON allows
    neither raw (a raw control character is invalid JSON), so in ASCII text they can only
    come from a \\u escape; an ASCII body without one needs no second parse and walk here
    (webargs parses the body again itself)."""
    return not body.isascii() or b"\\u" in body


def _query_may_hold_unstorable(query: bytes) -> bool:
    """Whether a raw query string could decode to a NUL or a lone surrogate half: only a
    %-escape or a byte outside printable ASCII can make one, so a plain ASCII query (a
    near list's "near=9.52,47.14&radius_m=500") needs no walk over its decoded arguments."""
    return not query.isascii() or b"%" in query or not query.decode("ascii").isprintable()


def refuse_unstorable_text() -> None:
    """422 for text a database cannot store, wherever it is: path, query or JSON body."""
    found: list[ValidationFailed] = []
    _walk(dict(request.view_args or {}), "", found)
    if _query_may_hold_unstorable(request.query_string):
        for key, values in request.args.lists():
            _walk({key: values[0] if len(values) == 1 else values}, "", found)
    if request.is_json and _may_hold_unstorable(request.get_data(cache=True)):
        _walk(request.get_json(silent=True), "", found)
    if len(found) == 1:
        raise found[0]
    if found:
        raise InvalidFields(found)
