"""OGC API - Features endpoints under /ogc: landing, conformance, collections, items, item."""

from __future__ import annotations

from flask import Response, current_app, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from api.context import current_actor, read_session
from api.extensions import record_probe
from api.ogc.schemas import FormatArgsSchema, ItemsQueryArgsSchema
from api.open_directory import ogc as open_directory
from registry.errors import NotFound
from registry.interop.exporters import ogc
from registry.inventory.models import utcnow
from registry.inventory.vocabulary import Kind

blp = Blueprint(
    "ogc", __name__, url_prefix="/ogc", description="OGC API - Features (Part 1 Core, GeoJSON)"
)

JSON, GEOJSON = "application/json", "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def _respond(body: dict, media: str = JSON) -> Response:
    return Response(current_app.json.dumps(body), content_type=media)


def _link(href: str, rel: str, media: str = JSON, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": media}
    return link | ({"title": title} if title else {})


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


def _kind(collection_id: str) -> str:
    if collection_id not in {k.value for k in Kind}:
        raise NotFound(f"collection {collection_id!r} does not exist", field="collectionId")
    return collection_id


def _collection(kind: str, extent) -> dict:
    items = _url("ogc.Items", collection_id=kind)
    out = {
        "id": kind,
        "title": kind.replace("_", " ").capitalize() + "s",
        "description": f"Shareable {kind.replace('_', ' ')} assets of the InfraShare registry",
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            _link(_url("ogc.Collection", collection_id=kind), "self", JSON, "this collection"),
            _link(items, "items", GEOJSON, f"{kind} items as GeoJSON"),
        ],
    }
    if extent is not None:
        first, last = (t.isoformat().replace("+00:00", "Z") for t in (extent.first, extent.last))
        out["extent"] = {
            "spatial": {"bbox": [list(extent.bbox)], "crs": CRS84},
            "temporal": {
                "interval": [[first, last]],
                "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
            },
        }
    return out


@blp.route("/")
class Landing(MethodView):
    @blp.arguments(FormatArgsSchema, location="query")
    @blp.response(200)
    def get(self, _args):
        """The OGC API landing page"""
        return _respond(
            {
                "title": "InfraShare",
                "description": "Shareable telecom infrastructure as OGC API - Features",
                "links": [
                    _link(_url("ogc.Landing"), "self", JSON, "this document"),
                    _link(
                        _url("api-docs.openapi_json"),
                        "service-desc",
                        "application/vnd.oai.openapi+json;version=3.0",
                        "the API definition",
                    ),
                    _link(_url("api-docs.openapi_swagger_ui"), "service-doc", "text/html"),
                    _link(_url("ogc.Conformance"), "conformance", JSON, "conformance classes"),
                    _link(_url("ogc.Collections"), "data", JSON, "the collections"),
                ],
            }
        )


@blp.route("/conformance")
class Conformance(MethodView):
    @blp.arguments(FormatArgsSchema, location="query")
    @blp.response(200)
    def get(self, _args):
        """The conformance classes implemented"""
        return _respond({"conformsTo": CONFORMANCE})


@blp.route("/collections")
class Collections(MethodView):
    @blp.arguments(FormatArgsSchema, location="query")
    @blp.response(200)
    def get(self, _args):
        """One collection per asset kind"""
        with read_session() as session:
            extents = ogc.kind_extents(session, current_actor())
        return _respond(
            {
                "links": [_link(_url("ogc.Collections"), "self", JSON, "the collections")],
                "collections": [_collection(k.value, extents.get(k.value)) for k in Kind]
                + [open_directory.collection()],
            }
        )


@blp.route("/collections/<collection_id>")
class Collection(MethodView):
    @blp.arguments(FormatArgsSchema, location="query")
    @blp.response(200)
    def get(self, _args, collection_id):
        """One collection: an asset kind, or the open directory"""
        if collection_id == open_directory.COLLECTION_ID:
            return _respond(open_directory.collection())
        kind = _kind(collection_id)
        with read_session() as session:
            extents = ogc.kind_extents(session, current_actor())
        return _respond(_collection(kind, extents.get(kind)))


def _items_links(kind: str, args: dict, matched: int) -> list[dict]:
    query = request.args.to_dict(flat=True)
    limit, offset = args["limit"], args["offset"]

    def items(**changes) -> str:
        return _url("ogc.Items", collection_id=kind, **{**query, **changes})

    links = [
        _link(items(), "self", GEOJSON, "this page"),
        _link(items(f="json"), "alternate", JSON, "this page as JSON"),
        _link(_url("ogc.Collection", collection_id=kind), "collection", JSON, "the collection"),
    ]
    if offset + limit < matched:
        links.append(_link(items(offset=offset + limit, limit=limit), "next", GEOJSON, "next page"))
    if offset > 0:
        links.append(
            _link(items(offset=max(0, offset - limit), limit=limit), "prev", GEOJSON, "previous")
        )
    return links


@blp.route("/collections/<collection_id>/items")
class Items(MethodView):
    @blp.arguments(ItemsQueryArgsSchema, location="query")
    @blp.response(200)
    def get(self, args, collection_id):
        """The items of a collection you may see, filtered by bbox and datetime, paged"""
        if collection_id == open_directory.COLLECTION_ID:
            return _respond(
                open_directory.items(args), GEOJSON if args.get("f") != "json" else JSON
            )
        kind, actor, uses, masked = _kind(collection_id), current_actor(), {}, []
        with read_session() as session:
            features, matched = ogc.items_page(
                session,
                kind,
                actor,
                bbox=args.get("bbox"),
                interval=args["interval"],
                limit=args["limit"],
                offset=args["offset"],
                grid_m=current_app.config["MASK_GRID_M"],
                uses=uses,
                masked=masked,
            )
        if masked:  # a bbox matched assets the caller sees masked: make probing visible
            record_probe(actor, request.path, {"bbox": list(args["bbox"])}, masked)
        return _respond(
            {
                "type": "FeatureCollection",
                "features": features,
                "numberMatched": matched,
                "numberReturned": len(features),
                "timeStamp": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
                "links": _items_links(kind, args, matched),
            },
            GEOJSON if args.get("f") != "json" else JSON,
        )


@blp.route("/collections/<collection_id>/items/<int:feature_id>")
class Item(MethodView):
    @blp.arguments(FormatArgsSchema, location="query")
    @blp.response(200)
    def get(self, args, collection_id, feature_id):
        """One item, if you may see it"""
        if collection_id == open_directory.COLLECTION_ID:
            body = open_directory.item(feature_id)
            return _respond(body, GEOJSON if args.get("f") != "json" else JSON)
        kind, uses = _kind(collection_id), {}
        with read_session() as session:
            feature = ogc.one_item(
                session, kind, feature_id, current_actor(), current_app.config["MASK_GRID_M"], uses
            )
        if feature is None:
            raise NotFound(f"{kind} {feature_id} does not exist", field="featureId")
        self_href = _url("ogc.Item", collection_id=kind, feature_id=feature_id)
        feature["links"] = [
            _link(self_href, "self", GEOJSON, "this item"),
            _link(self_href + "?f=json", "alternate", JSON, "this item as JSON"),
            _link(_url("ogc.Collection", collection_id=kind), "collection", JSON, "the collection"),
        ]
        return _respond(feature, GEOJSON if args.get("f") != "json" else JSON)
