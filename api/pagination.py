"""`@blp.paginate` with limit/offset: flask-smorest's pagination, the envelope clients know.

Existing clients send `limit` and `offset` and read `{items, total, limit, offset}`; so the
pagination parameters are limit/offset (not page/page_size), and the paginated list is
wrapped in that envelope (and described in the `X-Pagination` header as flask-smorest does).
A view declares `@blp.paginate()`, takes `pagination_parameters`, sets its `item_count`, and
returns the page's items.
"""

from __future__ import annotations

import http
import json
from copy import deepcopy
from functools import wraps

import marshmallow as ma
from flask import request
from flask_smorest import Api, Blueprint
from flask_smorest.utils import unpack_tuple_response

DEFAULT_LIMIT, MAX_LIMIT = 100, 1000


class LimitOffset:
    """The requested window and, once the view knows it, how many items match in all (and
    any other count the list's envelope carries beside `total`, such as the inbox's unread)."""

    def __init__(self, limit: int, offset: int) -> None:
        self.limit, self.offset = limit, offset
        self.item_count: int | None = None
        self.other_counts: dict[str, int] = {}

    def __repr__(self) -> str:
        return f"LimitOffset(limit={self.limit}, offset={self.offset})"


class LimitOffsetSchema(ma.Schema):
    class Meta:
        ordered = True
        unknown = ma.EXCLUDE

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(
            1, MAX_LIMIT, error=f"must be a whole number from 1 to {MAX_LIMIT}"
        ),
        metadata={"description": f"items per page (1-{MAX_LIMIT})"},
    )
    offset = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(0, 2**63 - 1, error="must be a whole number from 0 up"),
        metadata={"description": "items to skip"},
    )

    @ma.post_load
    def _window(self, data, **_kw) -> LimitOffset:
        return LimitOffset(**data)


class PageMetadataSchema(ma.Schema):
    """Where a page lies: the X-Pagination header, and the envelope's fields beside `items`."""

    total = ma.fields.Integer(metadata={"description": "items matching, on every page"})
    limit = ma.fields.Integer(metadata={"description": "items per page, as asked"})
    offset = ma.fields.Integer(metadata={"description": "items skipped, as asked"})


class PageSchema(PageMetadataSchema):
    """The envelope of every paginated list; subclasses declare `items`."""


class PagedApi(Api):
    """flask-smorest's Api with the X-Pagination header documented as it is sent:
    {total, limit, offset} (flask-smorest's own documents page, page_size and the rest)."""

    def _register_pagination_header(self):
        header = {"description": "where the page lies", "schema": PageMetadataSchema}
        self.spec.components.header("PAGINATION", header, lazy=True)


class PagedBlueprint(Blueprint):
    """A Blueprint whose `paginate()` takes limit/offset and answers in the page envelope.

    The decorator is flask-smorest's, with its parameters and header documented the same
    way (`_apidoc["pagination"]`); only the window (limit/offset) and the body differ.
    """

    def paginate(self, pager=None, **_ignored):
        """Inject `pagination_parameters` (a LimitOffset); wrap the returned items."""
        if pager is not None:
            raise NotImplementedError("views page in SQL: return the page's items")
        error_status = self.PAGINATION_ARGUMENTS_PARSER.DEFAULT_VALIDATION_STATUS

        def decorator(func):
            @wraps(func)
            def wrapper(*args, **kwargs):
                params = self.PAGINATION_ARGUMENTS_PARSER.parse(
                    LimitOffsetSchema, request, location="query"
                )
                kwargs["pagination_parameters"] = params
                items, status, headers = unpack_tuple_response(func(*args, **kwargs))
                if params.item_count is None:
                    raise RuntimeError(f"{request.endpoint}: set pagination_parameters.item_count")
                meta = {"total": params.item_count, "limit": params.limit, "offset": params.offset}
                headers = dict(headers or {})
                headers[self.PAGINATION_HEADER_NAME] = json.dumps(meta)
                return {"items": items, **meta, **params.other_counts}, status, headers

            wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
            wrapper._apidoc["pagination"] = {
                "parameters": {"in": "query", "schema": LimitOffsetSchema},
                "response": {error_status: http.HTTPStatus(error_status).name},
            }
            return wrapper

        return decorator
