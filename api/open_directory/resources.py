"""GET /open/v1/directory: public-sector assets open to telecom use, without a token."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import read_session
from api.open_directory.schemas import DirectoryQueryArgsSchema
from registry.planning.open_directory import directory_csv, directory_page

blp = Blueprint(
    "open_directory",
    __name__,
    url_prefix="/open/v1",
    description="The open directory (公共资源开放目录): no token needed, rate-limited",
)


def _links(args, total: int) -> list[dict]:
    query = request.args.to_dict(flat=True)

    def page(offset: int) -> str:
        return url_for("open_directory.Directory", _external=True, **{**query, "offset": offset})

    links = [{"rel": "self", "href": page(args["offset"])}]
    if args["offset"] + args["limit"] < total:
        links.append({"rel": "next", "href": page(args["offset"] + args["limit"])})
    if args["offset"] > 0:
        links.append({"rel": "prev", "href": page(max(0, args["offset"] - args["limit"]))})
    return links


@blp.route("/directory")
class Directory(MethodView):
    @blp.arguments(DirectoryQueryArgsSchema, location="query")
    @blp.response(200, description="A GeoJSON FeatureCollection (or CSV with f=csv)")
    @blp.doc(security=[])
    def get(self, args):
        """Public, in-service public-sector assets with valid terms and free capacity"""
        with read_session() as session:
            features, total = directory_page(
                session,
                bbox=args.get("bbox"),
                kinds=args.get("kind"),
                limit=args["limit"],
                offset=args["offset"],
            )
        if args["f"] == "csv":
            return Response(
                directory_csv(features),
                content_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="open-directory.csv"'},
            )
        body = {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": total,
            "numberReturned": len(features),
            "links": _links(args, total),
        }
        media = "application/geo+json" if args["f"] == "geojson" else "application/json"
        return Response(current_app.json.dumps(body), content_type=media)
