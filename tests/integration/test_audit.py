"""The avoidable-build audit on Dask gives exactly the single-process answers."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from shapely.geometry import Point

from bench import workload
from bench.dataset import OWNER_NAMES, Dataset
from matching import SiteRequest
from registry.batch import audit
from registry.batch.snapshot import read_points, write_snapshot
from tests.batch_helpers import assert_same_audit, generated
from tests.unit.matching.factories import make_point, offset

TEMPLATES = [
    SiteRequest(Point(0, 0), 500.0, {"antenna_mount": 1}, limit=3),
    SiteRequest(Point(0, 0), 1500.0, {"antenna_mount": 2}, min_height_m=20.0, limit=3),
]


def plans_near(dataset: Dataset, n: int, seed: int) -> audit.Plans:
    points = workload.site_locations(dataset, n, np.random.default_rng(seed))
    group = np.arange(n) % len(TEMPLATES)
    ids = np.array([f"P{k}" for k in range(n)], dtype=object)
    return audit.Plans(ids, points[:, 0], points[:, 1], group, TEMPLATES)


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    dataset = generated(30_000, 0, seed=9, extent_km=80.0)
    path = tmp_path_factory.mktemp("audit") / "registry.parquet"
    points, _ = dataset.tables()
    write_snapshot(path, points, OWNER_NAMES, seq=7)
    return dataset, path


def test_the_snapshot_reads_back_the_same_point_table(snapshot):
    dataset, path = snapshot
    points, owners, seq = read_points(path)
    original, _ = dataset.tables()
    assert seq == 7 and owners == {k: OWNER_NAMES[k] for k in owners}
    row = np.argsort(points.ids)[np.argsort(np.argsort(original.ids))]  # file row of each
    for name in ("ids", "kind", "status", "sector", "use", "owner", "free", "lon", "lat"):
        np.testing.assert_array_equal(getattr(points, name)[row], getattr(original, name), name)
    np.testing.assert_array_equal(points.height[row], original.height)
    k = np.arange(0, len(points), 997)
    assert points.refs.strings(row[k]) == original.refs.strings(k)
    assert [points.heights.get(i).tolist() for i in row[k]] == [
        original.heights.get(i).tolist() for i in k
    ]


def test_a_small_box_reads_only_the_row_groups_near_it(snapshot, monkeypatch):
    from registry.batch import snapshot as module

    monkeypatch.setattr(module, "ROW_GROUP", 1024)  # 30 row groups in this small registry
    dataset, path = snapshot
    small = path.with_name("small_groups.parquet")
    points, _ = dataset.tables()
    write_snapshot(small, points, OWNER_NAMES, seq=7)
    lon, lat = np.median(points.lon), np.median(points.lat)
    box = np.array([[lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01]])
    meta = pq.ParquetFile(small).metadata
    names = [meta.schema.column(c).name for c in range(meta.num_columns)]
    x, y = names.index("lon"), names.index("lat")
    groups = [meta.row_group(g) for g in range(meta.num_row_groups)]
    touched = [
        g for g in groups
        if g.column(x).statistics.min <= box[0, 2] and g.column(x).statistics.max >= box[0, 0]
        and g.column(y).statistics.min <= box[0, 3] and g.column(y).statistics.max >= box[0, 1]
    ]  # fmt: skip
    assert meta.num_row_groups >= 25 and len(touched) <= 4
    inside = (np.abs(points.lon - lon) <= 0.01) & (np.abs(points.lat - lat) <= 0.01)
    assert sorted(read_points(small, box)[0].ids.tolist()) == sorted(points.ids[inside].tolist())


def test_tiled_dask_audit_equals_the_single_process_run(snapshot):
    dataset, path = snapshot
    plans = plans_near(dataset, 400, seed=3)
    single = audit.run_single(plans, path)
    tiled = audit.run_dask(plans, path, workers=2, processes=False, tile_deg=0.05)
    assert len(audit.partition(plans.lon, plans.lat, 0.05)) > 4  # really split
    assert_same_audit(tiled, single)
    assert 0 < single.summary["could_share"] < len(plans)


def test_the_best_candidate_in_the_neighbouring_tile_is_found(tmp_path):
    from matching.index import AssetIndex
    from matching.memory_source import MemorySource

    edge = 108.5  # a tile boundary at tile_deg 0.5
    plan_lon, tower_lon = offset(edge, 22.8, -20.0, 0.0)[0], offset(edge, 22.8, 30.0, 0.0)[0]
    far = offset(edge, 22.8, -400.0, 0.0)[0]  # same tile as the plan, but farther
    records = [make_point(1, tower_lon, 22.8), make_point(2, far, 22.8)]
    index = AssetIndex(MemorySource(records))
    index.build()
    gen = index._gen
    path = tmp_path / "edge.parquet"
    write_snapshot(path, gen.points, gen.owners, seq=1)
    plans = audit.Plans(np.array(["edge"], dtype=object), np.array([plan_lon]),
                        np.array([22.8]), np.array([0]), TEMPLATES[:1])  # fmt: skip
    tiled = audit.run_dask(plans, path, workers=1, processes=False, tile_deg=0.5)
    assert tiled.plans["best_asset_id"].tolist() == [1]
    assert_same_audit(tiled, audit.run_single(plans, path))
