"""GET /tiles/{z}/{x}/{y}.mvt: vector tiles with a layer per kind, cached by ETag."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import current_actor, read_session
from registry.interop.exporters.tiles import Tile, etag, render
from registry.inventory.queries import registry_seq

blp = Blueprint(
    "tiles",
    __name__,
    url_prefix="/tiles",
    description="Mapbox vector tiles: a layer per kind with kind, owner, free capacity, status",
)

MVT = "application/vnd.mapbox-vector-tile"
MAX_AGE = 60


def _cached(response: Response, tag: str) -> Response:
    response.set_etag(tag, weak=True)
    # The content depends on who asks (visibility), so shared caches must not keep it.
    response.headers["Cache-Control"] = f"private, max-age={MAX_AGE}"
    response.headers["Vary"] = "Authorization"
    return response


@blp.route("/<int:z>/<int:x>/<int:y>.mvt")
class VectorTile(MethodView):
    @blp.response(200, description="The tile (empty where there is nothing to show)")
    def get(self, z, x, y):
        """A vector tile: kind, owner, status and free units per resource, per feature"""
        tile, actor, uses = Tile(z, x, y), current_actor(), {}
        tile.check()
        grid_m = current_app.config["MASK_GRID_M"]
        with read_session() as session:
            tag = etag(registry_seq(session), actor, grid_m)
            if request.if_none_match.contains_weak(tag):
                return _cached(Response(status=304), tag)
            data = render(session, actor, tile, grid_m, uses)
        return _cached(Response(data, content_type=MVT), tag)
