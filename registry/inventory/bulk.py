"""Bulk upsert by owner_ref: one transaction per batch, created/updated/unchanged counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import sqlalchemy as sa

from registry.access.policy import require_owner
from registry.db.uow import UnitOfWork
from registry.errors import ValidationFailed
from registry.inventory.assets import (
    _apply,
    _require_owner_exists,
    _sync_capacity,
    asset_snapshot,
    input_snapshot,
)
from registry.inventory.models import Asset
from registry.inventory.validation import AssetInput


def _existing(uow: UnitOfWork, items: Sequence[AssetInput]) -> dict:
    by_owner: dict[int, list[str]] = {}
    for item in items:
        by_owner.setdefault(item.owner_id, []).append(item.owner_ref)
    found = {}
    for owner_id, refs in by_owner.items():
        for start in range(0, len(refs), 500):
            stmt = sa.select(Asset).where(
                Asset.owner_id == owner_id, Asset.owner_ref.in_(refs[start : start + 500])
            )
            for asset in uow.session.scalars(stmt).unique():
                found[(asset.owner_id, asset.owner_ref)] = asset
    return found


def upsert_many(uow: UnitOfWork, items: Sequence[AssetInput], commit: bool = True):
    """Create or update each item by (owner_id, owner_ref), all in this unit of work.

    Returns (counts, results): counts of "created"/"updated"/"unchanged", and (asset, outcome)
    pairs in input order. Nothing is written for unchanged items. Raises on the first invalid item,
    leaving the batch unwritten.
    """
    seen = Counter((i.owner_id, i.owner_ref) for i in items)
    twice = [key for key, n in seen.items() if n > 1]
    if twice:
        raise ValidationFailed("properties.owner_ref", f"{twice[0][1]!r} appears twice in a batch")
    for owner_id in {i.owner_id for i in items}:
        require_owner(uow.actor, owner_id)
        _require_owner_exists(uow.session, owner_id)
    existing = _existing(uow, items)
    counts: Counter = Counter()
    stored, audits = [], []
    for item in items:
        asset = existing.get((item.owner_id, item.owner_ref))
        before = None
        if asset is None:
            asset = Asset(owner_id=item.owner_id, capacities=[])
            _apply(asset, item)
            _sync_capacity(uow, asset, item.capacity)
            uow.session.add(asset)
            existing[(item.owner_id, item.owner_ref)] = asset
            audits.append((asset, "create", None, item))
        else:
            before = asset_snapshot(asset)
            if before == input_snapshot(item):
                counts["unchanged"] += 1
                stored.append((asset, "unchanged"))
                continue
            _apply(asset, item)
            _sync_capacity(uow, asset, item.capacity)
            audits.append((asset, "update", before, item))
        stored.append((asset, "created" if before is None else "updated"))
    uow.session.flush()
    for asset, action, before, item in audits:
        counts["created" if action == "create" else "updated"] += 1
        uow.changed(asset.id, "asset", action)
        uow.audit("asset", asset.id, action, before=before, after=input_snapshot(item))
    if commit:
        uow.commit()
    return counts, stored
