"""What the registry already holds for an owner: refs with snapshot digests, held units."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import shapely
import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.inventory.capacity import held_units_query
from registry.inventory.models import Asset, Capacity
from registry.inventory.validation import CapacitySpec

CHUNK = 5000


def snapshot_text(snapshot: dict) -> str:
    """The canonical JSON of an asset snapshot (registry.inventory.assets), for audit and digest."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False)


def digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


def geojson_list(geoms: np.ndarray) -> list:
    """GeoJSON mappings of a batch of geometries; points the fast way."""
    out = [None] * len(geoms)
    kinds = shapely.get_type_id(geoms)
    is_point = (kinds == 0) & ~shapely.is_empty(geoms)
    points = np.flatnonzero(is_point)
    xs, ys = shapely.get_x(geoms[points]).tolist(), shapely.get_y(geoms[points]).tolist()
    for i, x, y in zip(points.tolist(), xs, ys, strict=True):
        out[i] = {"type": "Point", "coordinates": [x, y]}
    for i in np.flatnonzero((kinds >= 0) & ~is_point).tolist():
        out[i] = shapely.geometry.mapping(geoms[i])
    return out


@dataclass
class Known:
    """The owner's assets: ref -> (id, digest of its snapshot); asset -> resource -> held."""

    by_ref: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    held: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _capacities(session: Session, ids) -> dict[int, dict]:
    caps: dict[int, dict] = defaultdict(dict)
    stmt = sa.select(Capacity.asset_id, Capacity.resource, Capacity.total, Capacity.unit_heights)
    if ids is not None:
        stmt = stmt.where(Capacity.asset_id.in_(ids))
    for asset_id, resource, total, heights in session.execute(stmt):
        spec = CapacitySpec(total, tuple(heights) if heights else None)
        caps[asset_id][resource] = spec.as_json()
    return caps


def _snapshots(session: Session, where, ids=None):
    """(id, owner_ref, snapshot dict) for assets matching `where`, built like asset_snapshot."""
    caps = _capacities(session, ids)
    stmt = (
        sa.select(
            Asset.id,
            Asset.kind,
            Asset.owner_id,
            Asset.owner_ref,
            Asset.status,
            Asset.sensitivity,
            sa.func.ST_AsBinary(Asset.geom),
            Asset.attributes,
        )
        .where(where)
        .execution_options(yield_per=CHUNK)
    )
    for chunk in session.execute(stmt).partitions():
        geoms = geojson_list(shapely.from_wkb([bytes(row[6]) for row in chunk]))
        for row, geom in zip(chunk, geoms, strict=True):
            yield (
                row[0],
                row[3],
                {
                    "kind": row[1],
                    "owner_id": row[2],
                    "owner_ref": row[3],
                    "status": row[4],
                    "sensitivity": row[5],
                    "geometry": geom,
                    "attributes": dict(_json(row[7]) or {}),
                    "capacity": caps.get(row[0], {}),
                },
            )


def load_known(session: Session, owner_id: int) -> Known:
    """Every asset of the owner with the digest of its snapshot, and the units tenants hold."""
    known = Known()
    owned = Asset.owner_id == owner_id
    owned_ids = sa.select(Asset.id).where(owned)
    caps_stmt = _snapshots(session, owned, ids=owned_ids)
    for asset_id, ref, snap in caps_stmt:
        known.by_ref[ref] = (asset_id, digest(snapshot_text(snap)))
    held = held_units_query().subquery()
    stmt = (
        sa.select(held.c.asset_id, held.c.resource, sa.func.count(), sa.func.max(held.c.unit))
        .where(held.c.asset_id.in_(owned_ids))
        .group_by(held.c.asset_id, held.c.resource)
    )
    for asset_id, resource, count, highest in session.execute(stmt):
        known.held.setdefault(asset_id, {})[resource] = (count, highest)
    return known


def snapshots_of(session: Session, ids: list[int]) -> dict[int, str]:
    """{id: canonical snapshot JSON} of these assets (the audit's `before`)."""
    out = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for asset_id, _, snap in _snapshots(session, Asset.id.in_(chunk), ids=chunk):
            out[asset_id] = snapshot_text(snap)
    return out
