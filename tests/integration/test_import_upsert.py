"""Import is an idempotent upsert by owner_ref, all or nothing, with feed and audit rows."""

from __future__ import annotations

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory import allocations
from registry.inventory.models import Asset, AuditEntry, Change
from registry.inventory.queries import registry_seq
from tests import gis_files as gis
from tests.factories import make_org


def _features(n: int = 3, **changes) -> list[dict]:
    out = [gis.registry_feature(f"T{i}", 108.36 + i / 1000, 22.81, height_m=30.0) for i in range(n)]
    for ref, props in changes.items():
        feature = next(f for f in out if f["properties"]["owner_ref"] == ref)
        feature["properties"].update(props)
    return out


def _run(session_factory, actor, tmp_path, owner_id, features, name="a.geojson", **options):
    path = gis.write_geojson(tmp_path / name, features)
    return import_file(session_factory, actor, path, ImportOptions(owner_id=owner_id, **options))


def _count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(sa.select(sa.func.count()).select_from(model))


def _feed(session_factory, after_seq=0) -> list[tuple]:
    with session_factory() as session:
        stmt = sa.select(Change.asset_id, Change.op).where(Change.seq > after_seq)
        return list(session.execute(stmt.order_by(Change.seq)))


def test_rerunning_the_same_file_changes_nothing(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    first = _run(session_factory, actor, tmp_path, owner.id, _features())
    assert (first.created, first.committed) == (3, True)
    assert [op for _, op in _feed(session_factory)] == ["create"] * 3
    assert _count(session_factory, AuditEntry) == 1 + 3  # the organisation, then each asset
    with session_factory() as session:
        seq = registry_seq(session)
    again = _run(session_factory, actor, tmp_path, owner.id, _features())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    with session_factory() as session:
        assert registry_seq(session) == seq
    assert _count(session_factory, AuditEntry) == 4


def test_a_changed_file_updates_exactly_what_changed(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    _run(session_factory, actor, tmp_path, owner.id, _features())
    with session_factory() as session:
        seq = registry_seq(session)
        ids = dict(session.execute(sa.select(Asset.owner_ref, Asset.id)).all())
    changed = _features(T0={"height_m": 45.0}, T2={"capacity": {"antenna_mount": {"total": 9}}})
    summary = _run(session_factory, actor, tmp_path, owner.id, changed)
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    assert _feed(session_factory, seq) == [(ids["T0"], "update"), (ids["T2"], "update")]
    with session_factory() as session:
        audit = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "update").order_by(AuditEntry.id)
        ).all()
        t0 = session.get(Asset, ids["T0"])
        assert t0.attributes == {"height_m": 45.0}
        assert session.get(Asset, ids["T2"]).capacities[0].total == 9
    assert [a.object_id for a in audit] == [str(ids["T0"]), str(ids["T2"])]
    assert audit[0].before["attributes"] == {"height_m": 30.0}
    assert audit[0].after["attributes"] == {"height_m": 45.0}


def test_prune_deletes_missing_assets_but_keeps_those_tenants_hold(
    session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    tenant = make_org(session_factory, "China Mobile Nanning", "telecom")
    _run(session_factory, actor, tmp_path, owner.id, _features())
    with session_factory() as session:
        ids = dict(session.execute(sa.select(Asset.owner_ref, Asset.id)).all())
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, ids["T2"], "antenna_mount", tenant.id, units=[1])
    summary = _run(session_factory, actor, tmp_path, owner.id, _features(1), prune=True)
    assert (summary.unchanged, summary.deleted, summary.kept) == (1, 1, 1)
    (kept,) = summary.report
    assert (kept.owner_ref, kept.field) == ("T2", "prune") and "not pruned" in kept.reason
    with session_factory() as session:
        assert sorted(session.scalars(sa.select(Asset.owner_ref))) == ["T0", "T2"]
    assert _feed(session_factory)[-1] == (ids["T1"], "delete")


def test_one_invalid_feature_rejects_the_whole_file(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    bad = _features(T1={"height_m": 9000.0}, T2={"kind": "spaceship"})
    summary = _run(session_factory, actor, tmp_path, owner.id, bad)
    assert (summary.committed, summary.refused, summary.rejected) == (False, True, 2)
    assert [(r.feature, r.owner_ref, r.field) for r in summary.report] == [
        (2, "T1", "properties.height_m"),
        (3, "T2", "properties.kind"),
    ]
    assert _count(session_factory, Asset) == 0 and _feed(session_factory) == []
    partial = _run(session_factory, actor, tmp_path, owner.id, bad, skip_invalid=True)
    assert (partial.created, partial.rejected, partial.committed) == (1, 2, True)


def test_a_dry_run_counts_but_writes_nothing(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    summary = _run(session_factory, actor, tmp_path, owner.id, _features(), dry_run=True)
    assert (summary.created, summary.committed) == (3, False)
    assert _count(session_factory, Asset) == 0


def test_a_ref_used_twice_in_a_file_is_rejected_the_second_time(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    features = _features(2, T1={"owner_ref": "T0"})
    summary = _run(session_factory, actor, tmp_path, owner.id, features, skip_invalid=True)
    assert (summary.created, summary.rejected) == (1, 1)
    assert summary.report[0].reason == "'T0' appears earlier in the file (feature 1)"
    invalid_twin = _features(2, T1={"owner_ref": "T0", "height_m": -1.0})
    summary = _run(session_factory, actor, tmp_path, owner.id, invalid_twin, skip_invalid=True)
    assert (summary.unchanged, summary.rejected) == (1, 1)
    assert summary.report[0].field == "properties.height_m"


def test_capacity_tenants_hold_cannot_be_imported_away(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    _run(session_factory, actor, tmp_path, owner.id, _features(1))
    with session_factory() as session:
        asset_id = session.scalar(sa.select(Asset.id))
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, asset_id, "antenna_mount", owner.id, units=[5])
    smaller = _features(1, T0={"capacity": {"antenna_mount": {"total": 3}}})
    summary = _run(session_factory, actor, tmp_path, owner.id, smaller)
    (row,) = summary.report
    assert row.field == "properties.capacity.antenna_mount.total"
    assert row.reason == "unit 5 of antenna_mount is held; total cannot go below 5"


def test_skip_invalid_imports_the_rest_and_reports_the_bad_one(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    features = _features(40, T7={"height_m": -1.0})
    summary = _run(session_factory, actor, tmp_path, owner.id, features, skip_invalid=True)
    assert (summary.created, summary.rejected) == (39, 1)
    assert summary.report[0].feature == 8
    assert _count(session_factory, Asset) == 39 and len(_feed(session_factory)) == 39


def test_the_kind_option_gives_every_feature_its_kind(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    summary = _run(session_factory, actor, tmp_path, owner.id, _features(), kind="rooftop")
    assert summary.created == 3
    with session_factory() as session:
        assert set(session.scalars(sa.select(Asset.kind))) == {"rooftop"}


def test_rebuilding_the_spatial_index_gives_the_same_registry(session_factory, actor, tmp_path):
    owner = make_org(session_factory)
    summary = _run(
        session_factory, actor, tmp_path, owner.id, _features(), rebuild_spatial_index=True
    )
    assert (summary.created, summary.committed) == (3, True)
    with session_factory() as session:
        box = "POLYGON((108.3 22.8, 108.4 22.8, 108.4 22.9, 108.3 22.9, 108.3 22.8))"
        near = sa.func.ST_Intersects(Asset.geom, sa.func.ST_GeomFromText(box, 4326))
        assert session.scalar(sa.select(sa.func.count()).where(near)) == 3
        if session.get_bind().dialect.name == "postgresql":
            index = sa.text("SELECT count(*) FROM pg_indexes WHERE indexname = 'idx_asset_geom'")
            assert session.scalar(index) == 1
