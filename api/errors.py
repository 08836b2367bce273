"""One error shape for every failure: {code, status, message, errors}.

`code` is the HTTP status number, `status` a machine-readable word (for domain errors the
exception's code, e.g. "capacity_exhausted"), `message` says what to fix, `errors` maps
fields to messages.
"""

from __future__ import annotations

import logging
import re

from flask import current_app, jsonify
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from registry import errors as E

log = logging.getLogger(__name__)

# Domain exception -> HTTP status. Checked in order; the first match wins.
STATUS_BY_EXCEPTION: list[tuple[type[E.RegistryError], int]] = [
    (E.ValidationFailed, 422),
    (E.Unauthenticated, 401),
    (E.Forbidden, 403),
    (E.NotFound, 404),
    (E.Conflict, 409),
]


# Database failures the caller can do nothing about but wait: (status, word, message). The
# SQLite disk-full case comes first: it is not transient, and says so.
DISK_FULL = (
    507,
    "storage_full",
    "the database's disk is full; nothing was written. "
    "Free space on the server (or raise its quota), then retry",
)
DB_UNAVAILABLE = (
    503,
    "database_unavailable",
    "the database is unavailable right now; nothing was written, retry shortly",
)


def error_response(status: int, word: str, message: str, errors=None, headers=None):
    """Build the one error payload as a Flask response."""
    body = {"code": status, "status": word, "message": message, "errors": errors or {}}
    response = jsonify(body)
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def _http_word(exc: HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (exc.name or "error").lower()).strip("_")


def handle_registry_error(exc: E.RegistryError):
    status = next((s for cls, s in STATUS_BY_EXCEPTION if isinstance(exc, cls)), 400)
    return error_response(status, exc.code, exc.message, exc.errors())


def handle_http_exception(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    errors = _plain(data.get("messages") or data.get("errors") or {})
    word = "validation_failed" if exc.code == 422 else _http_word(exc)
    message = data.get("message") or _summarise(errors) or exc.description or exc.name
    if exc.code >= 500:
        log.exception("server error", exc_info=exc)
    return error_response(exc.code, word, message, errors, data.get("headers"))


# Where webargs found the argument: kept as the first key of `errors`, left out of messages.
LOCATIONS = {"json", "query", "querystring", "form", "files", "multipart", "headers", "path"}
# marshmallow's wording -> the user's terms.
PLAIN = {
    "Missing data for required field.": "is required",
    "Unknown field.": "is not a field of this request",
    "Field may not be null.": "must not be null",
    "Not a valid integer.": "must be a whole number",
    "Not a valid number.": "must be a number",
    "Not a valid string.": "must be text",
    "Not a valid boolean.": "must be true or false",
    "Not a valid mapping type.": "must be an object",
    "Not a valid list.": "must be a list",
    "Not a valid date.": "must be a date written YYYY-MM-DD",
    "Special numeric values (nan or infinity) are not permitted.": (
        "must be a finite number (not NaN or Infinity)"
    ),
    "Invalid input type.": "the body must be a JSON object",
}


def _plain(errors):
    """The field errors with marshmallow's phrases said in the user's terms."""
    if isinstance(errors, dict):
        return {key: _plain(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [PLAIN.get(m, m) if isinstance(m, str) else _plain(m) for m in errors]
    return errors


def _leaves(errors: dict, prefix: str = ""):
    for key, value in errors.items():
        if prefix and key in ("_schema", "value"):  # the object itself; a mapping's value
            path = prefix
        else:
            path = f"{prefix}.{key}" if prefix else ("body" if key == "_schema" else str(key))
        if isinstance(value, dict):
            yield from _leaves(value, path)
        elif isinstance(value, list):
            texts = [v for v in value if isinstance(v, str)]
            if texts:
                yield path, "; ".join(texts)


def _summarise(errors: dict) -> str:
    """Every field error in one sentence, e.g. "location: is required; radius_m: ..."."""
    top = {}
    for key, value in errors.items():
        if key in LOCATIONS and isinstance(value, dict):
            top.update(value)
        else:
            top[key] = value
    return "; ".join(f"{path}: {text}" for path, text in _leaves(top))


def handle_database_error(exc: sa_exc.DBAPIError):
    """503 with Retry-After while the database cannot be reached (the pool reconnects by
    itself once it is back); 507 when SQLite's disk is full; anything else is a 500."""
    text = str(getattr(exc, "orig", exc)).lower()
    if "database or disk is full" in text or "disk full" in text:
        log.error("database disk full: %s", text)
        return error_response(*DISK_FULL)
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or getattr(
        exc, "connection_invalidated", False
    ):
        log.warning("database unavailable: %s", text.splitlines()[0] if text else exc)
        retry = str(current_app.config.get("DB_RETRY_AFTER_S", 5))
        return error_response(*DB_UNAVAILABLE, headers={"Retry-After": retry})
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception):
    log.exception("unhandled error")
    return error_response(500, "internal_error", "internal error; the log has the details")


def register_error_handlers(app) -> None:
    """Install the handlers on the app (after flask-smorest, so these win)."""
    app.register_error_handler(E.RegistryError, handle_registry_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(sa_exc.DBAPIError, handle_database_error)
    app.register_error_handler(Exception, handle_unexpected)
