"""The assets an actor may see, as presented GeoJSON Features, streamed in id order."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import Session

from registry.access.visibility import DEFAULT_GRID_M, disclose_all
from registry.inventory.capacity import capacity_views
from registry.inventory.models import Asset
from registry.inventory.queries import AssetFilter, ranked_near, where_clause
from registry.inventory.serialize import asset_feature

log = logging.getLogger(__name__)

CHUNK = 1000


def conditions(session: Session, f: AssetFilter, actor, extra=(), masked=None) -> list:
    """SQL conditions: the list filters, what the actor may know of, and `extra` ones.

    `masked`, a list, collects the ids of assets shown masked that bbox or near let through.
    """
    conds, masked_in_box = where_clause(session, f, actor)
    conds.extend(extra)
    masked_near = []
    if f.near:
        near, masked_near = ranked_near(session, f, actor, conds)
        conds.append(Asset.id.in_([asset_id for asset_id, _ in near]))
    if masked is not None:
        masked.extend(sorted(set(masked_in_box) | set(masked_near)))
    return conds


def count(session: Session, conds: list) -> int:
    """How many assets match (what the actor may know of only, when conds say so)."""
    return session.scalar(sa.select(sa.func.count()).select_from(Asset).where(*conds))


def iter_features(
    session: Session,
    conds: list,
    actor,
    grid_m: float = DEFAULT_GRID_M,
    uses: dict | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[dict]:
    """Features as the actor may see them (restricted ones coarsened), by id, `CHUNK` at a time.

    Rows are read with yield_per, so memory stays flat however many match. `uses` collects
    {grant id: [asset ids]} the actor saw only thanks to an access grant (to be audited).
    """
    stmt = sa.select(Asset).where(*conds).order_by(Asset.id).offset(offset or None)
    if limit is not None:
        stmt = stmt.limit(limit)
    result = session.scalars(stmt.execution_options(yield_per=CHUNK))
    for part in result.partitions():
        views = capacity_views(session, part)
        shown, found = disclose_all(actor, [asset_feature(a, views[a.id]) for a in part], grid_m)
        if uses is not None:
            for grant_id, ids in found.items():
                uses.setdefault(grant_id, []).extend(ids)
        yield from shown
