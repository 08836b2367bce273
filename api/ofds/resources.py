"""GET /api/v1/ofds/{network.json, nodes.geojson, spans.geojson, nodes.csv, spans.csv}."""

from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, post_load

from api.context import current_actor, read_session
from api.open_directory.schemas import parse_bbox
from registry.errors import NotFound
from registry.interop.exporters import ofds

blp = Blueprint(
    "ofds",
    __name__,
    url_prefix="/ofds",
    description="Open Fibre Data Standard 0.4: nodes and spans of the ducts and cables you see",
)

FILES = "network.json, nodes.geojson, spans.geojson, nodes.csv, spans.csv"


class OfdsQueryArgsSchema(Schema):
    bbox = fields.String(metadata={"description": "minlon,minlat,maxlon,maxlat"})

    @post_load
    def _parse(self, data, **kwargs):
        if "bbox" in data:
            data["bbox"] = parse_bbox(data["bbox"])
        return data


@blp.route("/<any(network, nodes, spans):what>.<any(json, geojson, csv):fmt>")
class OfdsExport(MethodView):
    @blp.arguments(OfdsQueryArgsSchema, location="query")
    @blp.response(200, description=f"One of {FILES}")
    def get(self, args, what, fmt):
        """The ducts and cables you may see in full, as OFDS nodes and spans"""
        if (what == "network") != (fmt == "json"):
            raise NotFound(f"no such file; the OFDS export offers {FILES}", field="path")
        with read_session() as session:
            package = ofds.network_package(session, current_actor(), bbox=args.get("bbox"))
        if fmt == "json":
            return Response(current_app.json.dumps(package), content_type="application/json")
        if fmt == "geojson":
            body = current_app.json.dumps(ofds.geojson(package, what[:-1]))
            return Response(body, content_type="application/geo+json")
        return Response(
            ofds.csv_text(package, what[:-1]),
            content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{what}.csv"'},
        )
