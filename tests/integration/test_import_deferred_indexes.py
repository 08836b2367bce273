"""PostGIS: a batch larger than the table defers its indexes and keys, and restores them."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from registry.interop.importers import deferred
from registry.interop.importers.fresh import FreshLoad
from registry.interop.importers.run import ImportOptions, import_file
from registry.interop.importers.store import DEFERRED_TABLES, Store
from registry.inventory.models import Asset
from tests import gis_files as gis
from tests.factories import make_org

BOX = "POLYGON((108.3 22.8, 108.4 22.8, 108.4 22.9, 108.3 22.9, 108.3 22.8))"


@pytest.fixture
def database_url(_postgis_database):
    """Only PostGIS: SpatiaLite keeps its indexes (its R*Tree is filled by triggers)."""
    return _postgis_database.fresh_url()


@pytest.fixture
def small_batches_count(monkeypatch):
    monkeypatch.setattr(deferred, "MIN_ROWS", 1)


def _import(session_factory, actor, tmp_path, owner_id, n=3, lat=22.81, **options):
    features = [gis.registry_feature(f"T{i}", 108.36 + i / 1000, lat) for i in range(n)]
    path = gis.write_geojson(tmp_path / "a.geojson", features)
    return import_file(session_factory, actor, path, ImportOptions(owner_id=owner_id, **options))


def _indexes(session_factory) -> dict[str, list[str]]:
    """Every index's and constraint's definition, and every column's default, per deferrable
    table (a first import lends the time columns a default while it loads)."""
    stmt = sa.text(
        "SELECT indexdef FROM pg_indexes WHERE tablename = :t UNION ALL "
        "SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = CAST(:t AS regclass) UNION ALL "
        "SELECT column_name || ' default ' || coalesce(column_default, 'none') "
        "FROM information_schema.columns WHERE table_name = :t ORDER BY 1"
    )
    with session_factory() as session:
        return {t: list(session.scalars(stmt, {"t": t})) for t in DEFERRED_TABLES}


def _all_three_findable_under(session_factory, summary, indexes_before) -> None:
    assert (summary.created, summary.committed) == (3, True)
    assert _indexes(session_factory) == indexes_before
    with session_factory() as session:
        near = sa.func.ST_Intersects(Asset.geom, sa.func.ST_GeomFromText(BOX, 4326))
        assert session.scalar(sa.select(sa.func.count()).where(near)) == 3


def test_a_batch_larger_than_the_table_is_indexed_once_at_the_end(
    session_factory, actor, tmp_path, small_batches_count, caplog
):
    owner = make_org(session_factory)
    before = _indexes(session_factory)
    with caplog.at_level(logging.INFO, logger=deferred.__name__):
        summary = _import(session_factory, actor, tmp_path, owner.id)
    # asset: GiST, kind, owner, the owner key and (owner_id, owner_ref); not its id, which
    # other tables' keys refer to. capacity: its id, (asset_id, resource) and the asset key.
    assert "deferred 5 indexes and keys of asset" in caplog.text
    assert "deferred 3 indexes and keys of capacity" in caplog.text
    _all_three_findable_under(session_factory, summary, before)


def test_a_small_import_keeps_the_indexes(session_factory, actor, tmp_path, caplog):
    owner = make_org(session_factory)
    with caplog.at_level(logging.INFO, logger=deferred.__name__):
        assert _import(session_factory, actor, tmp_path, owner.id).created == 3
    assert "deferred" not in caplog.text


def test_a_table_in_use_keeps_its_indexes_and_the_import_goes_on(
    session_factory, actor, tmp_path, small_batches_count, monkeypatch, caplog
):
    monkeypatch.setattr(deferred, "LOCK_TIMEOUT", "100ms")
    owner = make_org(session_factory)
    before = _indexes(session_factory)
    with session_factory() as reader:
        reader.execute(sa.select(sa.func.count()).select_from(Asset))  # holds its lock
        with caplog.at_level(logging.INFO, logger=deferred.__name__):
            summary = _import(session_factory, actor, tmp_path, owner.id)
    assert "asset is in use" in caplog.text
    _all_three_findable_under(session_factory, summary, before)


def test_a_failure_after_the_indexes_were_dropped_leaves_everything_as_it_was(
    session_factory, actor, tmp_path, small_batches_count, monkeypatch
):
    owner = make_org(session_factory)
    before = _indexes(session_factory)

    def broken(self):
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(Store, "finish", broken)  # a later import: staged
    monkeypatch.setattr(FreshLoad, "finish", broken)  # the owner's first import: COPYed
    with pytest.raises(RuntimeError):
        _import(session_factory, actor, tmp_path, owner.id)
    assert _indexes(session_factory) == before
    with session_factory() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Asset)) == 0


def test_pruning_in_a_large_batch_still_deletes_the_capacity_with_its_asset(
    session_factory, actor, tmp_path, small_batches_count
):
    owner = make_org(session_factory)
    _import(session_factory, actor, tmp_path, owner.id, n=3)
    moved = _import(session_factory, actor, tmp_path, owner.id, n=2, lat=22.82, prune=True)
    assert (moved.updated, moved.deleted, moved.committed) == (2, 1, True)
    with session_factory() as session:
        orphans = "SELECT count(*) FROM capacity WHERE asset_id NOT IN (SELECT id FROM asset)"
        assert session.scalar(sa.text(orphans)) == 0
        assert session.scalar(sa.text("SELECT count(*) FROM capacity")) == 2


def test_a_key_added_back_checks_every_row(session_factory):
    with session_factory() as session:
        statements = deferred.drop(session, "asset")
        session.execute(
            sa.text(
                "INSERT INTO asset (owner_id, owner_ref, kind, status, sensitivity, geom, "
                "attributes, created_at, updated_at) VALUES (999, 'X', 'tower', 'in_service', "
                "'public', ST_GeomFromText('POINT(1 1)', 4326), '{}', now(), now())"
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            deferred.restore(session, statements)
