"""Export arguments: the filters of GET /api/v1/assets, without its page size limit."""

from __future__ import annotations

from api.assets.schemas import AssetQueryArgsSchema, asset_filter  # noqa: F401 (re-export)
from api.fields import Count, Offset


class ExportQueryArgsSchema(AssetQueryArgsSchema):
    """The asset list filters; `limit` is optional here (default: everything that matches)."""

    limit = Count()
    offset = Offset()
