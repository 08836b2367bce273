"""GET /api/v1/exports/assets.{geojson,csv,gpkg}: streamed exports with the list filters."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import app_context, current_actor
from api.exports.schemas import ExportQueryArgsSchema, asset_filter
from registry.interop.exporters import stream

blp = Blueprint(
    "exports",
    __name__,
    url_prefix="/exports",
    description="Exports of the assets you may see: GeoJSON, CSV and GeoPackage",
)


@blp.route("/assets.<any(geojson, csv, gpkg):fmt>")
class AssetExport(MethodView):
    @blp.arguments(ExportQueryArgsSchema, location="query")
    @blp.response(200, description="The file, streamed")
    def get(self, args, fmt):
        """Export the assets you may see, filtered like GET /assets (confidential ones hidden)"""
        factory, actor = app_context().session_factory, current_actor()
        grid_m, where = current_app.config["MASK_GRID_M"], request.path
        f = asset_filter(args)
        if fmt == "gpkg":
            path = stream.gpkg_file(factory, f, actor, grid_m, where)
            body = stream.file_chunks(path)
        else:
            body = stream.text_chunks(fmt, factory, f, actor, grid_m, where)
        return Response(
            body,
            content_type=stream.MEDIA_TYPES[fmt],
            headers={"Content-Disposition": f'attachment; filename="assets.{fmt}"'},
        )
