"""The Alembic history builds and removes the schema, spatial index included, on both backends."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from registry.db import migrate
from registry.db.engine import make_engine
from tests.backends import BACKENDS, postgres_url

TABLES = {
    "organisation",
    "asset",
    "capacity",
    "allocation",
    "allocation_unit",
    "change_feed",
    "audit_log",
    "share_request",
    "build_request",
    "match_report",
    "decision",
    "barrier",
}


@pytest.fixture(params=BACKENDS)
def empty_engine(request, tmp_path):
    """An engine on a database that has never been migrated."""
    if request.param == "spatialite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        yield engine
        engine.dispose()
        return
    admin = make_engine(postgres_url(), isolation_level="AUTOCOMMIT")
    name = f"migr_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.make_url(postgres_url()).set(database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE {name}"))
    admin.dispose()


def _spatial_index_exists(engine) -> bool:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name='asset'"
            return conn.execute(sa.text(sql)).scalar() == 1
        sql = "SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_asset_geom'"
        return "gist" in (conn.execute(sa.text(sql)).scalar() or "")


def test_upgrade_builds_every_table_and_the_spatial_index(empty_engine):
    migrate.upgrade(empty_engine)
    assert set(sa.inspect(empty_engine).get_table_names()) >= TABLES
    assert _spatial_index_exists(empty_engine)
    assert migrate.current_revision(empty_engine) is not None


def test_downgrade_removes_everything_and_upgrade_works_again(empty_engine):
    migrate.upgrade(empty_engine)
    migrate.downgrade(empty_engine)
    assert not TABLES & set(sa.inspect(empty_engine).get_table_names())
    assert migrate.current_revision(empty_engine) is None
    migrate.upgrade(empty_engine)
    assert _spatial_index_exists(empty_engine)


def test_the_audit_log_refuses_update_and_delete_at_the_database(empty_engine):
    migrate.upgrade(empty_engine)
    insert = (
        "INSERT INTO audit_log (at, actor, object_type, object_id, action) "
        "VALUES (CURRENT_TIMESTAMP, 'test', 'thing', '1', 'create')"
    )
    with empty_engine.begin() as conn:
        conn.execute(sa.text(insert))
    for statement in ("UPDATE audit_log SET actor = 'forger'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), empty_engine.begin() as conn:
            conn.execute(sa.text(statement))
    with empty_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT actor FROM audit_log")).scalars().all() == ["test"]
