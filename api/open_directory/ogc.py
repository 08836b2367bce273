"""The open directory as the OGC API - Features collection `open-directory` (under /ogc)."""

from __future__ import annotations

from flask import request, url_for

from api.context import read_session
from registry.errors import NotFound
from registry.inventory.models import utcnow
from registry.planning.open_directory import directory_page

COLLECTION_ID = "open-directory"
JSON, GEOJSON = "application/json", "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def _url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, collection_id=COLLECTION_ID, **values)


def collection() -> dict:
    """The collection's description."""
    return {
        "id": COLLECTION_ID,
        "title": "Open directory",
        "description": "Public-sector assets open to telecom use, with published terms "
        "(公共资源开放目录); also at /open/v1/directory without a token",
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            {"href": _url("ogc.Collection"), "rel": "self", "type": JSON},
            {"href": _url("ogc.Items"), "rel": "items", "type": GEOJSON},
        ],
    }


def items(args: dict) -> dict:
    """One page of the directory as an OGC items response."""
    limit, offset = args["limit"], args["offset"]
    with read_session() as session:
        features, matched = directory_page(
            session, bbox=args.get("bbox"), limit=limit, offset=offset
        )
    query = request.args.to_dict(flat=True)
    links = [{"href": _url("ogc.Items", **query), "rel": "self", "type": GEOJSON}]
    if offset + limit < matched:
        nxt = _url("ogc.Items", **{**query, "offset": offset + limit, "limit": limit})
        links.append({"href": nxt, "rel": "next", "type": GEOJSON})
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
    }


def item(feature_id: int) -> dict:
    """One directory entry, or NotFound when the asset is not in the directory."""
    with read_session() as session:
        features, _ = directory_page(session, ids=[feature_id], limit=1)
    if not features:
        raise NotFound(f"{COLLECTION_ID} {feature_id} does not exist", field="featureId")
    feature = features[0]
    feature["links"] = [
        {"href": _url("ogc.Item", feature_id=feature_id), "rel": "self", "type": GEOJSON}
    ]
    return feature
