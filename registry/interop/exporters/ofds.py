"""Open Fibre Data Standard (OFDS 0.4) export of ducts and fibre cables: nodes and spans as a
JSON network package, as GeoJSON (nodes and spans) and as CSV.

Every line asset is a span; its two ends are nodes, shared by spans that meet at the same
point. Only assets the actor may see in full are exported: a coarsened geometry is no route.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid

import shapely
import sqlalchemy as sa

from registry.access.visibility import entitled, visible_condition
from registry.db.spatial_sql import bbox_condition, split_bbox
from registry.inventory.capacity import capacity_views
from registry.inventory.models import Asset
from registry.inventory.vocabulary import Kind, Sector

SCHEMA_LINK = "https://standard.ofds.info/en/0__4__0/network-schema.json"
CRS = {"name": "urn:ogc:def:crs:OGC::CRS84", "uri": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}
STATUS = {"planned": "planned", "in_service": "operational", "decommissioned": "decommissioned"}
ABOVE_GROUND = {"aerial", "ADSS", "OPGW"}
# The infrastructure a span is co-deployed with, by its owner's sector (an open codelist).
CODEPLOYMENT = {Sector.POWER: "power", Sector.RAIL: "rail", Sector.HIGHWAY: "road"}
NETWORK_NAMESPACE = uuid.UUID("6f1d3c0e-8f0b-4c43-9a57-2a4f1f0c0de5")
NODE_COLUMNS = ("network_id", "id", "name", "status", "location/type", "location/coordinates")
SPAN_COLUMNS = (
    "network_id",
    "id",
    "name",
    "status",
    "start",
    "end",
    "deployment",
    "transmissionMedium",
    "fibreCount",
    "darkFibre",
    "codeployment",
    "transmissionMediumOwner/id",
    "supportingInfrastructure/type",
    "route/type",
    "route/coordinates",
)


def _assets(session, actor, bbox):
    conds = [Asset.kind.in_([Kind.DUCT.value, Kind.FIBER_CABLE.value]), visible_condition(actor)]
    if bbox:
        conds.append(bbox_condition(session.get_bind().dialect.name, split_bbox(*bbox)))
    assets = session.scalars(sa.select(Asset).where(*conds).order_by(Asset.id)).unique().all()
    return [a for a in assets if entitled(actor, a.owner_id, a.sensitivity, a.kind, a.geom)]


class _Nodes:
    """Node ids by position: spans ending at the same point share the node."""

    def __init__(self):
        self.by_point: dict[tuple[float, float], dict] = {}

    def at(self, lon: float, lat: float, status: str) -> str:
        key = (round(lon, 7), round(lat, 7))
        node = self.by_point.get(key)
        if node is None:
            node_id = str(len(self.by_point) + 1)
            node = {
                "id": node_id,
                "name": f"Node {node_id}",
                "status": status,
                "location": {"type": "Point", "coordinates": [key[0], key[1]]},
            }
            self.by_point[key] = node
        return node["id"]


def _span(asset: Asset, views, nodes: _Nodes) -> dict:
    coords = [list(c) for c in shapely.get_coordinates(asset.geom).tolist()]
    status = STATUS.get(asset.status, "operational")
    cable_type = (asset.attributes or {}).get("cable_type")
    owner = {"id": str(asset.owner_id), "name": asset.owner.name}
    span = {
        "id": str(asset.id),
        "name": f"{asset.kind.replace('_', ' ')} {asset.id}",
        "status": status,
        "start": nodes.at(*coords[0], status),
        "end": nodes.at(*coords[-1], status),
        "route": {"type": "LineString", "coordinates": coords},
        "deployment": ["aboveGround" if cable_type in ABOVE_GROUND else "belowGround"],
    }
    cores = next((v for v in views if v.resource == "fiber_core"), None)
    if asset.kind == Kind.FIBER_CABLE:
        span["transmissionMedium"] = ["fibre"]
        span["transmissionMediumOwner"] = owner
        if cores is not None:
            span["fibreCount"] = cores.total
            span["darkFibre"] = cores.free > 0
    else:
        span["supportingInfrastructure"] = {"type": "duct", "owner": owner}
    codeployed = CODEPLOYMENT.get(asset.owner.sector)
    if codeployed:
        span["codeployment"] = codeployed
    return span


def network_package(
    session, actor, name="InfraShare", publisher="InfraShare", bbox=None, today=None
) -> dict:
    """The OFDS network package (JSON) of the ducts and cables the actor may see in full."""
    assets = _assets(session, actor, bbox)
    views = capacity_views(session, assets)
    nodes = _Nodes()
    spans = [_span(a, views[a.id], nodes) for a in assets]
    owners = {a.owner_id: a.owner.name for a in assets}
    network = {
        "id": str(uuid.uuid5(NETWORK_NAMESPACE, name)),
        "name": name,
        "publisher": {"name": publisher},
        "publicationDate": (today or dt.date.today()).isoformat(),
        "crs": CRS,
        "links": [{"rel": "describedby", "href": SCHEMA_LINK}],
        "organisations": [{"id": str(i), "name": n} for i, n in sorted(owners.items())],
        "nodes": list(nodes.by_point.values()),
        "spans": spans,
    }
    return {"networks": [network]}


def _reduced(network: dict) -> dict:
    return {k: v for k, v in network.items() if k not in ("nodes", "spans")}


def geojson(package: dict, feature_type: str) -> dict:
    """Nodes or spans as an OFDS GeoJSON FeatureCollection: each feature carries its network
    (without nodes and spans), and a span its start and end nodes in full."""
    network = package["networks"][0]
    nodes = {n["id"]: n for n in network["nodes"]}
    features = []
    for item in network[f"{feature_type}s"]:
        props = {k: v for k, v in item.items() if k not in ("location", "route")}
        if feature_type == "span":
            props["start"], props["end"] = nodes[item["start"]], nodes[item["end"]]
        props["network"] = _reduced(network)
        props["featureType"] = feature_type
        geometry = item["location"] if feature_type == "node" else item["route"]
        features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def _get(item: dict, column: str):
    value = item
    for part in column.split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, list | dict):
        return json.dumps(value) if column.endswith("coordinates") else ";".join(map(str, value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_text(package: dict, feature_type: str) -> str:
    """nodes.csv or spans.csv: one row per node or span, columns named by JSON pointer."""
    network = package["networks"][0]
    columns = NODE_COLUMNS if feature_type == "node" else SPAN_COLUMNS
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for item in network[f"{feature_type}s"]:
        row = {**item, "network_id": network["id"]}
        writer.writerow([_get(row, c) for c in columns])
    return out.getvalue()
