"""Registry services on SpatiaLite and PostGIS: CRUD, upsert, capacity, change feed."""

from __future__ import annotations

import sqlalchemy as sa

from registry.db.uow import UnitOfWork
from registry.inventory import allocations, assets
from registry.inventory.capacity import capacity_views
from registry.inventory.changes import AssetPatch
from registry.inventory.models import AuditEntry, Change
from registry.inventory.queries import changes_since, registry_seq
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature


def _create(session_factory, actor, feature):
    with UnitOfWork(session_factory, actor) as uow:
        return assets.create_asset(uow, parse_asset_feature(feature))


def test_a_created_asset_reads_back_with_its_coordinates_to_1e7_degrees(session_factory, actor):
    org = make_org(session_factory)
    lon, lat = 108.36612345678, 22.81798765432
    created = _create(session_factory, actor, point_feature(org.id, lon, lat, height_m=35.5))
    cable = _create(
        session_factory,
        actor,
        line_feature(org.id, [(108.1234567891, 22.1234567891), (108.2234567891, 22.2234567891)]),
    )
    with session_factory() as session:
        tower = assets.get_asset(session, created.id)
        line = assets.get_asset(session, cable.id)
        assert abs(tower.geom.x - lon) < 1e-7 and abs(tower.geom.y - lat) < 1e-7
        assert tower.attributes == {"height_m": 35.5}
        assert [c.resource for c in tower.capacities] == ["antenna_mount"]
        first = line.geom.coords[0]
        assert abs(first[0] - 108.1234567891) < 1e-7 and abs(first[1] - 22.1234567891) < 1e-7


def test_a_patch_changes_only_what_it_names(session_factory, actor):
    org = make_org(session_factory)
    created = _create(
        session_factory, actor, point_feature(org.id, height_m=30, structure="lattice")
    )
    with UnitOfWork(session_factory, actor) as uow:
        assets.update_asset(
            uow, created.id, AssetPatch(attributes={"height_m": 42, "structure": None})
        )
    with session_factory() as session:
        tower = assets.get_asset(session, created.id)
        assert tower.attributes == {"height_m": 42.0}
        assert tower.capacities[0].total == 6


def test_upserting_the_same_feature_twice_writes_nothing_the_second_time(session_factory, actor):
    org = make_org(session_factory)
    feature = point_feature(org.id, ref="NNG-001", height_m=30)
    with UnitOfWork(session_factory, actor) as uow:
        first, outcome1 = assets.upsert_asset(uow, parse_asset_feature(feature))
    with session_factory() as session:
        seq_after_first = registry_seq(session)
        audits = session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    with UnitOfWork(session_factory, actor) as uow:
        second, outcome2 = assets.upsert_asset(uow, parse_asset_feature(feature))
    with session_factory() as session:
        assert registry_seq(session) == seq_after_first
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == audits
    assert (outcome1, outcome2) == ("created", "unchanged")
    assert first.id == second.id


def test_an_upsert_with_a_change_updates_the_same_asset(session_factory, actor):
    org = make_org(session_factory)
    with UnitOfWork(session_factory, actor) as uow:
        first, _ = assets.upsert_asset(uow, parse_asset_feature(point_feature(org.id, ref="R1")))
    moved = point_feature(org.id, lon=108.4, ref="R1")
    with UnitOfWork(session_factory, actor) as uow:
        second, outcome = assets.upsert_asset(uow, parse_asset_feature(moved))
    assert outcome == "updated" and second.id == first.id
    with session_factory() as session:
        assert assets.get_asset(session, first.id).geom.x == 108.4


def test_free_capacity_is_total_minus_live_allocations(session_factory, actor):
    owner = make_org(session_factory)
    tenant = make_org(session_factory, "China Mobile Nanning", "telecom")
    cable = _create(session_factory, actor, line_feature(owner.id, [(108.3, 22.8), (108.31, 22.8)]))
    with UnitOfWork(session_factory, actor) as uow:
        held = allocations.allocate(uow, cable.id, "fiber_core", tenant.id, units=[13, 14, 15])
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, cable.id, "fiber_core", tenant.id, count=2)
    with session_factory() as session:
        view = capacity_views(session, [assets.get_asset(session, cable.id)])[cable.id][0]
        assert (view.total, view.allocated, view.free) == (48, 5, 43)
        assert view.free_units()[:3] == [3, 4, 5] and 13 not in view.free_units()
    with UnitOfWork(session_factory, actor) as uow:
        allocations.end_allocation(uow, held.id)
    with session_factory() as session:
        view = capacity_views(session, [assets.get_asset(session, cable.id)])[cable.id][0]
        assert (view.allocated, view.free) == (2, 46)


def test_every_write_appends_to_the_change_feed_in_order(session_factory, actor):
    org = make_org(session_factory)
    tower = _create(session_factory, actor, point_feature(org.id))
    cable = _create(session_factory, actor, line_feature(org.id, [(108.3, 22.8), (108.31, 22.8)]))
    with UnitOfWork(session_factory, actor) as uow:
        assets.update_asset(uow, tower.id, AssetPatch(attributes={"height_m": 20}))
    with UnitOfWork(session_factory, actor) as uow:
        alloc = allocations.allocate(uow, cable.id, "fiber_core", org.id, count=1)
    with UnitOfWork(session_factory, actor) as uow:
        allocations.end_allocation(uow, alloc.id)
    with UnitOfWork(session_factory, actor) as uow:
        assets.delete_asset(uow, tower.id)
    with session_factory() as session:
        feed = changes_since(session, 0)
        seqs = [c.seq for c in feed]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert [(c.asset_id, c.entity, c.op) for c in feed] == [
            (tower.id, "asset", "create"),
            (cable.id, "asset", "create"),
            (tower.id, "asset", "update"),
            (cable.id, "allocation", "create"),
            (cable.id, "allocation", "released"),
            (tower.id, "asset", "delete"),
        ]
        assert [c.seq for c in changes_since(session, seqs[2])] == seqs[3:]
        assert session.scalar(sa.select(sa.func.max(Change.seq))) == registry_seq(session)
