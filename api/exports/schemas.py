"""Export arguments: the filters of GET /api/v1/assets, without its page size limit."""

from __future__ import annotations

from marshmallow import fields, validate

from api.assets.schemas import AssetQueryArgsSchema, asset_filter  # noqa: F401 (re-export)


class ExportQueryArgsSchema(AssetQueryArgsSchema):
    """The asset list filters; `limit` is optional here (default: everything that matches)."""

    limit = fields.Integer(validate=validate.Range(min=1))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))
