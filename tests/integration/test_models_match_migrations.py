"""The models and the migrations describe the same schema: alembic's autogenerate finds nothing.

A column added to a model without a revision (or a revision the models do not follow) fails
here, on both backends. Tables the spatial extension itself creates are left out: they are
whatever a never-migrated database of that backend already holds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from geoalchemy2 import alembic_helpers

from registry.db import migrate
from registry.db.metadata import metadata
from tests.integration.test_migrations import empty_engine  # noqa: F401


def _same_float(_ctx, _inspected, _metadata_col, inspected_type, metadata_type):
    # SQLite reflects every REAL as FLOAT; a model's Double is the same storage there.
    if isinstance(inspected_type, sa.Float) and isinstance(metadata_type, sa.Float):
        return False
    return None  # let alembic decide


def _differences(engine, extension_tables: set[str]) -> list:
    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and reflected and compare_to is None and name in extension_tables:
            return False
        return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)

    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"include_object": include, "compare_type": _same_float}
        )
        return compare_metadata(ctx, metadata)


def test_autogenerate_finds_no_difference_after_upgrade(empty_engine):  # noqa: F811
    extension_tables = set(sa.inspect(empty_engine).get_table_names())
    migrate.upgrade(empty_engine)
    assert _differences(empty_engine, extension_tables | {"alembic_version"}) == []
