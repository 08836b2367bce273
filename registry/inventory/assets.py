"""Asset services: create, update, upsert by owner_ref, delete; each one transaction."""

from __future__ import annotations

import copy

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from registry.access.policy import require_owner
from registry.db.geometry import to_geojson
from registry.db.uow import UnitOfWork
from registry.errors import DuplicateOwnerRef, InUse, NotFound, ValidationFailed
from registry.inventory.capacity import held_units
from registry.inventory.changes import AssetPatch
from registry.inventory.models import Asset, Capacity, Organisation, utcnow
from registry.inventory.validation import AssetInput, CapacitySpec, parse_asset_feature


def asset_snapshot(asset: Asset) -> dict:
    """What an asset declares (no derived state): used for audit and change detection."""
    return {
        "kind": asset.kind,
        "owner_id": asset.owner_id,
        "owner_ref": asset.owner_ref,
        "status": asset.status,
        "sensitivity": asset.sensitivity,
        "geometry": to_geojson(asset.geom),
        "attributes": dict(asset.attributes or {}),
        "capacity": {
            c.resource: CapacitySpec(
                c.total, tuple(c.unit_heights) if c.unit_heights else None
            ).as_json()
            for c in asset.capacities
        },
    }


def input_snapshot(data: AssetInput) -> dict:
    """The same view as asset_snapshot, of validated input."""
    return {
        "kind": data.kind.value,
        "owner_id": data.owner_id,
        "owner_ref": data.owner_ref,
        "status": data.status.value,
        "sensitivity": data.sensitivity.value,
        "geometry": to_geojson(data.geometry),
        "attributes": dict(data.attributes),
        "capacity": {r.value: spec.as_json() for r, spec in sorted(data.capacity.items())},
    }


def snapshot_as_feature(snap: dict) -> dict:
    """An asset snapshot as the GeoJSON Feature that would create it."""
    props = {k: snap[k] for k in ("kind", "owner_id", "owner_ref", "status", "sensitivity")}
    props.update(snap["attributes"])
    props["capacity"] = copy.deepcopy(snap["capacity"])
    return {"type": "Feature", "geometry": snap["geometry"], "properties": props}


def get_asset(session, asset_id: int, for_update: bool = False) -> Asset:
    """The asset with this id, or NotFound (optionally row-locked on PostgreSQL)."""
    stmt = sa.select(Asset).where(Asset.id == asset_id)
    if for_update:
        stmt = stmt.with_for_update(of=Asset)
    asset = session.scalars(stmt).unique().one_or_none()
    if asset is None:
        raise NotFound(f"asset {asset_id} does not exist", field="id")
    return asset


def _require_owner_exists(session, owner_id: int) -> None:
    if session.get(Organisation, owner_id) is None:
        raise ValidationFailed("properties.owner_id", f"organisation {owner_id} does not exist")


def _find_by_ref(session, owner_id: int, owner_ref: str) -> Asset | None:
    stmt = sa.select(Asset).where(Asset.owner_id == owner_id, Asset.owner_ref == owner_ref)
    return session.scalars(stmt).unique().one_or_none()


def _apply(asset: Asset, data: AssetInput) -> None:
    asset.kind = data.kind.value
    asset.owner_ref = data.owner_ref
    asset.status = data.status.value
    asset.sensitivity = data.sensitivity.value
    asset.geom = data.geometry
    asset.attributes = dict(data.attributes)
    asset.updated_at = utcnow()


def _sync_capacity(uow: UnitOfWork, asset: Asset, specs: dict) -> None:
    """Make the asset's capacity rows match `specs`, never below what tenants hold."""
    held = held_units(uow.session, [asset.id]) if asset.id else {}
    wanted = {r.value: spec for r, spec in specs.items()}
    for cap in list(asset.capacities):
        units = held.get((asset.id, cap.resource), {})
        spec = wanted.pop(cap.resource, None)
        needed = max(units, default=0)
        if spec is None and units:
            raise InUse(
                f"{len(units)} {cap.resource} units are held; release them first",
                field=f"properties.capacity.{cap.resource}",
            )
        if spec is not None and spec.total < needed:
            raise InUse(
                f"unit {needed} of {cap.resource} is held; total cannot go below {needed}",
                field=f"properties.capacity.{cap.resource}.total",
            )
        if spec is None:
            asset.capacities.remove(cap)
        else:
            cap.total, cap.unit_heights = spec.total, list(spec.heights) if spec.heights else None
    for resource, spec in sorted(wanted.items()):
        asset.capacities.append(
            Capacity(
                resource=resource,
                total=spec.total,
                unit_heights=list(spec.heights) if spec.heights else None,
            )
        )


def _flush_unique(uow: UnitOfWork, data: AssetInput) -> None:
    try:
        with uow.session.begin_nested():
            uow.session.flush()
    except IntegrityError:
        raise DuplicateOwnerRef(
            f"owner {data.owner_id} already has an asset with owner_ref {data.owner_ref!r}",
            field="properties.owner_ref",
        ) from None


def create_asset(uow: UnitOfWork, data: AssetInput) -> Asset:
    """Store a new asset with its capacity; returns it. DuplicateOwnerRef on a reused ref."""
    require_owner(uow.actor, data.owner_id)
    _require_owner_exists(uow.session, data.owner_id)
    if _find_by_ref(uow.session, data.owner_id, data.owner_ref) is not None:
        raise DuplicateOwnerRef(
            f"owner {data.owner_id} already has an asset with owner_ref {data.owner_ref!r}; "
            "use PUT /api/v1/assets/by-ref/... to update it",
            field="properties.owner_ref",
        )
    asset = Asset(owner_id=data.owner_id, capacities=[])
    _apply(asset, data)
    _sync_capacity(uow, asset, data.capacity)
    uow.session.add(asset)
    _flush_unique(uow, data)
    uow.changed(asset.id, "asset", "create")
    uow.audit("asset", asset.id, "create", after=input_snapshot(data))
    uow.commit()
    return asset


def _update(uow: UnitOfWork, asset: Asset, data: AssetInput, before: dict) -> Asset:
    _apply(asset, data)
    _sync_capacity(uow, asset, data.capacity)
    _flush_unique(uow, data)
    uow.changed(asset.id, "asset", "update")
    uow.audit("asset", asset.id, "update", before=before, after=input_snapshot(data))
    uow.commit()
    return asset


def update_asset(uow: UnitOfWork, asset_id: int, patch: AssetPatch) -> Asset:
    """Apply a patch to the asset; the result is validated as a whole. Returns the asset."""
    asset = get_asset(uow.session, asset_id, for_update=True)
    require_owner(uow.actor, asset.owner_id)
    before = asset_snapshot(asset)
    if not patch.owner_kept(asset.owner_id):
        raise ValidationFailed("properties.owner_id", "cannot be changed by a PATCH")
    data = parse_asset_feature(patch.applied_to(snapshot_as_feature(before)))
    if data.owner_ref != asset.owner_ref:
        other = _find_by_ref(uow.session, asset.owner_id, data.owner_ref)
        if other is not None:
            raise DuplicateOwnerRef(
                f"owner_ref {data.owner_ref!r} is taken", field="properties.owner_ref"
            )
    return _update(uow, asset, data, before)


def upsert_asset(uow: UnitOfWork, data: AssetInput) -> tuple[Asset, str]:
    """Create or update the asset (data.owner_id, data.owner_ref); returns (asset, outcome).

    outcome is "created", "updated" or "unchanged"; an unchanged upsert writes nothing.
    """
    require_owner(uow.actor, data.owner_id)
    _require_owner_exists(uow.session, data.owner_id)
    asset = _find_by_ref(uow.session, data.owner_id, data.owner_ref)
    if asset is None:
        return create_asset(uow, data), "created"
    before = asset_snapshot(asset)
    if before == input_snapshot(data):
        uow.commit()  # nothing to write; ends the transaction without expiring the asset
        return asset, "unchanged"
    return _update(uow, asset, data, before), "updated"


def delete_asset(uow: UnitOfWork, asset_id: int) -> None:
    """Delete an asset nobody holds capacity on."""
    asset = get_asset(uow.session, asset_id, for_update=True)
    require_owner(uow.actor, asset.owner_id)
    held = held_units(uow.session, [asset_id])
    if any(held.values()):
        count = sum(len(v) for v in held.values())
        raise InUse(f"{count} units of asset {asset_id} are held; release them first", field="id")
    before = asset_snapshot(asset)
    uow.session.delete(asset)
    uow.changed(asset_id, "asset", "delete")
    uow.audit("asset", asset_id, "delete", before=before)
    uow.commit()
