"""Asset endpoints: GeoJSON CRUD, upsert by owner_ref, filtered lists and capacity."""

from __future__ import annotations

from flask import current_app, jsonify, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from api.assets.page_json import collection_text, fast_json_ok, feature_texts
from api.assets.schemas import (
    AssetQueryArgsSchema,
    CapacitySchema,
    FeatureCollectionSchema,
    FeatureOutSchema,
    FeaturePatchSchema,
    FeatureSchema,
    asset_at_ref,
    asset_filter,
)
from api.context import app_context, current_actor, list_reads, read_session, unit_of_work
from api.extensions import record_probe
from registry.access.visibility import disclose_all
from registry.db.geometry import to_geojson_many
from registry.errors import NotFound
from registry.inventory import assets as service
from registry.inventory.capacity import capacity_views
from registry.inventory.page_rows import page_rows
from registry.inventory.queries import list_assets
from registry.inventory.serialize import asset_feature
from registry.inventory.validation import parse_asset_feature

blp = Blueprint(
    "assets",
    __name__,
    url_prefix="/assets",
    description="Shareable infrastructure as GeoJSON Features",
)


def shown_to_caller(features: list[dict], where: str, geometries=None) -> list[dict]:
    """The features as the caller may see them (registry.access audits what grants revealed).

    `geometries`: the features' shapely geometries, when the caller has them."""
    grid_m = current_app.config["MASK_GRID_M"]
    return disclose_all(current_actor(), features, grid_m, geometries)[0]


def _feature(asset_id: int) -> dict:
    """The asset's Feature as the caller may see it, read as a list page reads its rows: one
    query for the asset, its owner and its capacity (the ORM object, its capacities and the
    held units took three, and ~3 ms of CPU against ~1)."""
    with list_reads() as reads:
        found = page_rows(reads, [asset_id]).get(asset_id)
    shown = []
    if found is not None:
        row, summaries = found
        shown = shown_to_caller([asset_feature(row, summaries)], request.path, [row.geom])
    if not shown:
        # Hidden from the caller: the same answer as for an id that does not exist.
        raise NotFound(f"asset {asset_id} does not exist", field="id")
    return shown[0]


def _audit_probe(f, masked_ids: list[int]) -> None:
    """A spatial filter matched assets the caller sees masked: audit it (see masking.py)."""
    spatial = {"bbox": f.bbox, "near": f.near, "radius_m": f.radius_m}
    spatial = {k: list(v) if isinstance(v, tuple) else v for k, v in spatial.items() if v}
    record_probe(current_actor(), request.path, spatial, masked_ids)


def _page_links(args: dict, total: int) -> list[dict]:
    links = [{"rel": "self", "href": request.url}]
    limit, offset = args["limit"], args["offset"]
    if offset == 0 and limit >= total:  # one page: no other page to link (most near lists)
        return links
    query = request.args.to_dict(flat=False)
    if offset + limit < total:
        query.update(offset=[offset + limit])
        links.append({"rel": "next", "href": url_for("assets.Assets", **query, _external=True)})
    if offset > 0:
        query.update(offset=[max(0, offset - limit)])
        links.append({"rel": "prev", "href": url_for("assets.Assets", **query, _external=True)})
    return links


def _features(page) -> list[dict]:
    """The page's Features as the caller may see them (the dicts page_json writes as text)."""
    geoms = [row[0].geom for row in page.rows]
    shapes = to_geojson_many(geoms)  # the page's GeoJSON in one pass
    features = [asset_feature(*row, geojson=g) for row, g in zip(page.rows, shapes, strict=True)]
    return shown_to_caller(features, request.path, geoms)


def _feature_texts(page) -> list[str]:
    return feature_texts(page.rows, current_actor(), current_app.config["MASK_GRID_M"])


def _collection(features: list[dict], links: list[dict], total: int) -> dict:
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": total,
        "numberReturned": len(features),
        "links": links,
    }


# One instance for every request: given the class, webargs would make a schema per request
# (marshmallow deep-copies its declared fields, ~0.3 ms). Loading keeps no state in it.
ASSET_QUERY_ARGS = AssetQueryArgsSchema()


@blp.route("")
class Assets(MethodView):
    @blp.arguments(ASSET_QUERY_ARGS, location="query")
    @blp.response(200, FeatureCollectionSchema)
    def get(self, args):
        """List assets as a FeatureCollection, filtered, nearest first with near"""
        f = asset_filter(args)
        fast = fast_json_ok(current_app)
        with list_reads() as reads:  # its reads need no shared snapshot
            page = list_assets(reads, f, current_actor(), app_context().matcher.index)
            # The text jsonify would write, without a dict per Feature (see page_json).
            features = _feature_texts(page) if fast else _features(page)
        if page.masked_ids:
            _audit_probe(f, page.masked_ids)
        links = _page_links(args, page.total)
        if not fast:
            return jsonify(_collection(features, links, page.total))
        # A Response, which flask-smorest passes through: its schema still documents the body.
        body = collection_text(features, links, page.total)
        return current_app.response_class(body, mimetype=current_app.json.mimetype)

    @blp.arguments(FeatureSchema)
    @blp.response(201, FeatureOutSchema)
    def post(self, feature):
        """Create an asset from a GeoJSON Feature"""
        data = parse_asset_feature(feature)
        with unit_of_work() as uow:
            asset = service.create_asset(uow, data)
        return _feature(asset.id), 201, {"Location": url_for("assets.AssetById", asset_id=asset.id)}


@blp.route("/<int:asset_id>")
class AssetById(MethodView):
    @blp.response(200, FeatureOutSchema)
    def get(self, asset_id):
        """Read one asset"""
        return _feature(asset_id)

    @blp.arguments(FeaturePatchSchema)
    @blp.response(200, FeatureOutSchema)
    def patch(self, patch, asset_id):
        """Change an asset: a merge patch of its Feature, validated as a whole"""
        with unit_of_work() as uow:
            service.update_asset(uow, asset_id, patch)
        return _feature(asset_id)

    @blp.response(204)
    def delete(self, asset_id):
        """Delete an asset that no tenant holds capacity on"""
        with unit_of_work() as uow:
            service.delete_asset(uow, asset_id)


@blp.route("/by-ref/<int:owner_id>/<path:owner_ref>")
class AssetByRef(MethodView):
    @blp.arguments(FeatureSchema)
    @blp.response(200, FeatureOutSchema)
    @blp.alt_response(201, schema=FeatureOutSchema, description="Created")
    def put(self, feature, owner_id, owner_ref):
        """Create or update the asset with this owner_ref (idempotent)"""
        data = asset_at_ref(feature, owner_id, owner_ref)
        with unit_of_work() as uow:
            asset, outcome = service.upsert_asset(uow, data)
        status = 201 if outcome == "created" else 200
        return _feature(asset.id), status, {"X-Upsert-Outcome": outcome}


@blp.route("/<int:asset_id>/capacity")
class AssetCapacity(MethodView):
    @blp.response(200, CapacitySchema)
    def get(self, asset_id):
        """Capacity per resource: total, allocated, free, and the unit map"""
        with read_session() as session:
            asset = service.get_asset(session, asset_id)
            views = capacity_views(session, [asset])[asset.id]
        return {
            "asset_id": asset_id,
            "resources": {v.resource: v.as_json(with_units=True) for v in views},
        }
