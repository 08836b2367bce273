"""On PostGIS the point assets load by binary COPY: the tables equal the cursor's, column by
column, on the demo city and on a generated registry (ids out of table order, odd refs)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from bench.dataset import Dataset
from bench.startup_load_bench import fill
from matching.ragged import Ragged
from registry.db.uow import Actor, UnitOfWork
from registry.engine import source_columns, source_copy
from registry.engine.source import SqlAssetSource
from registry.interop import seeding
from registry.inventory import allocations, assets
from registry.inventory.validation import parse_asset_feature
from seed_data import demo_city
from tests.factories import line_feature, point_feature

TOWER = {"antenna_mount": {"total": 4, "heights": [40, 37.5, 34, 31]}}


def _postgis_only(session_factory) -> None:
    with session_factory() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("binary COPY is PostgreSQL's; SpatiaLite reads by cursor")


def _tables(session_factory):
    with SqlAssetSource(session_factory)._session() as session:
        return source_columns.read_tables(session)


def _by_cursor(session_factory, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(source_copy, "read_points", lambda session: None)
        return _tables(session_factory)


def assert_same_tables(mine, theirs) -> None:
    """Every column (and the derived order) of both tables equal, dtypes included."""
    for a, b in zip(mine[:2], theirs[:2], strict=True):
        assert a.columns().keys() == b.columns().keys()
        for name, value in a.columns().items():
            other = b.columns()[name]
            if isinstance(value, Ragged):
                np.testing.assert_array_equal(value.offsets, other.offsets, name)
                np.testing.assert_array_equal(value.values, other.values, name)
                assert value.values.dtype == other.values.dtype and not value.overrides
            else:
                assert value.dtype == other.dtype, name
                np.testing.assert_array_equal(value, other, name)
        np.testing.assert_array_equal(a.order, b.order)
        assert (a.ragged_row is None) == (b.ragged_row is None)
    assert mine[2] == theirs[2]


def _generated(session_factory, engine) -> None:
    """The benchmark's generator (ids shuffled against table order), plus lines, a tower
    with listed heights half taken, a non-ASCII ref and a planned asset already due."""
    raw = engine.raw_connection()
    try:
        fill(raw.driver_connection, Dataset.generate(3000, 0))
        for table in ("asset", "organisation"):  # COPY gave ids: move the sequences past them
            raw.driver_connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            )
        raw.commit()
    finally:
        raw.close()
    actor, owner = Actor.system("test"), 1
    features = [
        point_feature(owner, 108.31, 22.81, ref="塔-南宁-1", capacity=TOWER, height_m=45),
        point_feature(owner, 108.32, 22.82, kind="manhole", status="planned",
                      planned_date="2020-01-01"),
        line_feature(owner, [(108.30, 22.80), (108.31, 22.81), (108.33, 22.80)]),
        line_feature(owner, [(108.35, 22.80), (108.36, 22.81)], kind="duct"),
    ]  # fmt: skip
    with UnitOfWork(session_factory, actor) as uow:
        tower = assets.create_asset(uow, parse_asset_feature(features[0]))
        made = [assets.create_asset(uow, parse_asset_feature(f)) for f in features[1:]]
        allocations.allocate(uow, tower.id, "antenna_mount", owner, units=[2, 3])
    assert len(made) == 3


def test_the_copy_load_equals_the_cursor_load_on_a_generated_registry(
    session_factory, engine, monkeypatch
):
    _postgis_only(session_factory)
    _generated(session_factory, engine)
    monkeypatch.setattr(source_copy, "CHUNK", 700)  # several chunks, one of them partial
    points, lines, owners = _tables(session_factory)
    assert_same_tables((points, lines, owners), _by_cursor(session_factory, monkeypatch))
    assert len(points) == 3002 and len(lines) == 2
    assert "塔-南宁-1" in points.refs.strings(np.arange(len(points)))


def test_the_copy_load_equals_the_cursor_load_on_the_demo_city(session_factory, monkeypatch):
    _postgis_only(session_factory)
    orgs, features = demo_city.generate(seed=3, scale=0.02)
    seeding.load(session_factory, Actor.system("seed"), orgs, itertools.islice(features, 200))
    points, lines, owners = _tables(session_factory)
    assert_same_tables((points, lines, owners), _by_cursor(session_factory, monkeypatch))
    assert len(points) and len(lines)


def test_rows_framed_otherwise_are_read_by_the_cursor(session_factory, engine, monkeypatch):
    _postgis_only(session_factory)
    _generated(session_factory, engine)
    expected = _by_cursor(session_factory, monkeypatch)
    monkeypatch.setattr(source_copy, "parse_rows", lambda blocks: None)
    assert_same_tables(_tables(session_factory), expected)
