"""One row by id, optionally row-locked, or the NotFound a missing id gets everywhere."""

from __future__ import annotations

import sqlalchemy as sa

from registry.errors import NotFound


def get_row(session, model, row_id: int, what: str, for_update: bool = False):
    """The `model` row with this id (locked FOR UPDATE on PostgreSQL if asked), or NotFound
    saying "<what> <id> does not exist"."""
    stmt = sa.select(model).where(model.id == row_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise NotFound(f"{what} {row_id} does not exist", field="id")
    return row
