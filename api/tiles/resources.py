"""GET /tiles/{z}/{x}/{y}.mvt: vector tiles with a layer per kind, cached by ETag."""

from __future__ import annotations

from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import current_actor, read_session
from api.tiles.cache import tile_cache
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


def _seq() -> int:
    """The registry's newest seq: as authentication read it in this request, else read."""
    seq = g.get("feed_seq")
    if seq is None:
        with read_session(each_statement=True) as session:
            seq = registry_seq(session)
    return seq


def _render(tile: Tile, actor, grid_m: float, key: tuple, seq: int) -> bytes:
    """The tile's bytes, from the tile cache (api.tiles.cache) when it holds them."""
    cache = tile_cache(current_app)
    if cache is not None:
        cache.seen(seq)  # a seq gone back (a restore) drops the kept tiles
    data = cache.get(key) if cache is not None else None
    if data is None:
        uses: dict = {}
        # A statement or two, nothing streamed: on PostgreSQL without BEGIN and ROLLBACK.
        with read_session(each_statement=True) as session:
            data = render(session, actor, tile, grid_m, uses)
        # A grant holder's tile is rendered each time: each render notes the grant uses.
        if cache is not None and not actor.grants and not uses:
            cache.put(key, data)
    return data


@blp.route("/<int:z>/<int:x>/<int:y>.mvt")
class VectorTile(MethodView):
    @blp.response(200, description="The tile (empty where there is nothing to show)")
    def get(self, z, x, y):
        """A vector tile: kind, owner, status and free units per resource, per feature"""
        tile, actor = Tile(z, x, y), current_actor()
        tile.check()
        grid_m = current_app.config["MASK_GRID_M"]
        seq = _seq()
        tag = etag(seq, actor, grid_m)
        if request.if_none_match.contains_weak(tag):
            return _cached(Response(status=304), tag)
        data = _render(tile, actor, grid_m, (z, x, y, tag), seq)
        return _cached(Response(data, content_type=MVT), tag)
