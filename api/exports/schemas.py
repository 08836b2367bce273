"""Export arguments: the filters of GET /api/v1/assets, without its page size limit."""

from __future__ import annotations

from marshmallow import fields, validate

from api.assets.schemas import AssetQueryArgsSchema
from registry.queries import AssetFilter


class ExportQueryArgsSchema(AssetQueryArgsSchema):
    """The asset list filters; `limit` is optional here (default: everything that matches)."""

    limit = fields.Integer(validate=validate.Range(min=1))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


def asset_filter(args: dict) -> AssetFilter:
    """An AssetFilter from validated list or export arguments."""
    return AssetFilter(
        kinds=args.get("kind", []),
        owner_id=args.get("owner_id"),
        sector=args.get("sector"),
        status=args.get("status"),
        bbox=args.get("bbox"),
        near=args.get("near"),
        radius_m=args.get("radius_m"),
        min_free=args.get("min_free"),
        limit=args.get("limit"),
        offset=args.get("offset", 0),
    )
