"""The index's column load from the database equals its load from AssetRecords."""

from __future__ import annotations

import numpy as np

from matching import AssetIndex, MemorySource
from registry.db.uow import UnitOfWork
from registry.engine.source import SqlAssetSource
from registry.inventory import allocations, assets
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature

TOWER = {"antenna_mount": {"total": 6, "heights": [40, 40, 37, 37, 34, 34]}}
POLE = {"attachment": {"total": 4}}
COLUMNS = ("ids", "kind", "status", "sensitivity", "sector", "use", "owner", "height", "free")


def _registry(session_factory, actor) -> None:
    owner = make_org(session_factory)
    tenant = make_org(session_factory, name="Unicom Nanning", sector="telecom")
    features = [
        point_feature(owner.id, 108.3665, 22.8172, capacity=TOWER, height_m=42),
        point_feature(owner.id, 108.3690, 22.8160, height_m=30),
        point_feature(owner.id, 108.3700, 22.8150, kind="pole", capacity=POLE, use="lighting"),
        point_feature(owner.id, 108.3710, 22.8140, kind="manhole", status="planned"),
        line_feature(owner.id, [(108.36, 22.8171), (108.365, 22.8171), (108.37, 22.818)]),
    ]  # fmt: skip
    ids = []
    for feature in features:
        with UnitOfWork(session_factory, actor) as uow:
            ids.append(assets.create_asset(uow, parse_asset_feature(feature)).id)
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, ids[0], "antenna_mount", tenant.id, units=[1, 4])
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, ids[4], "fiber_core", tenant.id, count=12)


def test_the_column_load_equals_the_record_load(session_factory, actor):
    _registry(session_factory, actor)
    source = SqlAssetSource(session_factory)
    seq, points, lines, owners = source.snapshot_tables()
    by_records = AssetIndex(MemorySource(source.snapshot()[1]))
    by_records.build()
    gen = by_records._gen
    for mine, theirs in ((points, gen.points), (lines, gen.lines)):
        order = np.argsort(theirs.ids)
        for name in COLUMNS:
            np.testing.assert_array_equal(getattr(mine, name), getattr(theirs, name)[order], name)
        k = np.arange(len(mine))
        assert mine.refs.strings(k) == theirs.refs.strings(theirs._ragged(order))
        for i, j in zip(k.tolist(), theirs._ragged(order).tolist(), strict=True):
            np.testing.assert_array_equal(mine.heights.get(i), theirs.heights.get(j))
    np.testing.assert_array_equal(lines.coords.values, gen.lines.coords.values)
    assert gen.owners.items() <= owners.items() and seq == source.current_seq()
    assert points.free[0].tolist() != [0] * points.free.shape[1]  # the tower kept free mounts
