"""Find assets by the owner's reference, among those the actor may know of."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.access.visibility import visible_condition
from registry.inventory.capacity import capacity_views
from registry.inventory.models import Asset
from registry.inventory.serialize import asset_feature


def features_by_owner_ref(session: Session, actor, owner_ref: str, limit: int = 5) -> list[dict]:
    """Unmasked features of the assets with this owner_ref that the actor may know of.

    The caller must still pass them through registry.access.visibility.disclose_all: a
    restricted asset's owner_ref is withheld from the unentitled, so it must not be found
    by it either.
    """
    stmt = (
        sa.select(Asset)
        .where(Asset.owner_ref == owner_ref[:200], visible_condition(actor))
        .order_by(Asset.id)
        .limit(limit)
    )
    assets = list(session.scalars(stmt).unique())
    views = capacity_views(session, assets)
    return [asset_feature(a, views[a.id]) for a in assets]
