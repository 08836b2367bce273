"""A list page's capacity (counted per asset/resource in SQL) says what capacity_views says:
active allocations and unexpired holds count, lapsed holds and ended allocations do not."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from registry.db.uow import Actor, UnitOfWork
from registry.engine.matcher import Matcher
from registry.inventory import allocations, assets
from registry.inventory.capacity import capacity_summaries, capacity_views
from registry.inventory.models import Allocation, Asset, utcnow
from registry.inventory.queries import AssetFilter, list_assets
from registry.inventory.validation import parse_asset_feature
from registry.inventory.vocabulary import AllocationState
from tests.factories import line_feature, make_org, point_feature


def _create(session_factory, actor, feature):
    with UnitOfWork(session_factory, actor) as uow:
        return assets.create_asset(uow, parse_asset_feature(feature))


def test_list_capacity_counts_only_live_allocations(session_factory, actor):
    owner = make_org(session_factory)
    tenant = make_org(session_factory, "China Mobile Nanning", "telecom")
    coords = [(108.3, 22.8), (108.31, 22.8)]
    cable = _create(session_factory, actor, line_feature(owner.id, coords))
    tower = _create(
        session_factory,
        actor,
        point_feature(owner.id, capacity={"antenna_mount": {"total": 3, "heights": [10, 20, 30]}}),
    )
    bare = _create(session_factory, actor, point_feature(owner.id, kind="manhole", capacity={}))
    later = utcnow() + dt.timedelta(hours=1)
    reserved = AllocationState.RESERVED
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, cable.id, "fiber_core", tenant.id, units=[1, 2, 3])
    with UnitOfWork(session_factory, actor) as uow:
        ended = allocations.allocate(uow, cable.id, "fiber_core", tenant.id, count=4)
    with UnitOfWork(session_factory, actor) as uow:
        allocations.end_allocation(uow, ended.id)
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(
            uow, cable.id, "fiber_core", tenant.id, count=2, state=reserved, expires_at=later
        )
    with UnitOfWork(session_factory, actor) as uow:
        lapsed = allocations.allocate(
            uow, cable.id, "fiber_core", tenant.id, count=5, state=reserved, expires_at=later
        )
    with UnitOfWork(session_factory, actor) as uow:
        allocations.allocate(uow, tower.id, "antenna_mount", tenant.id, units=[2])
    with session_factory.begin() as session:  # the hold lapses; no job has marked it yet
        session.execute(
            sa.update(Allocation)
            .where(Allocation.id == lapsed.id)
            .values(expires_at=utcnow() - dt.timedelta(minutes=1))
        )
    ids = [cable.id, tower.id, bare.id]
    with session_factory() as session:
        loaded = list(session.scalars(sa.select(Asset).where(Asset.id.in_(ids))).unique())
        views = capacity_views(session, loaded)
        summaries = capacity_summaries(session, ids)
        assert {i: [(c.resource, c.as_json()) for c in views[i]] for i in ids} == {
            i: [(c.resource, c.as_json()) for c in summaries[i]] for i in ids
        }
        assert summaries[cable.id][0].as_json() == {"total": 48, "allocated": 5, "free": 43}
        assert summaries[tower.id][0].as_json()["heights"] == [10, 20, 30]
        assert summaries[bare.id] == []
        expected = {i: [c.as_json() for c in views[i]] for i in ids}
        near = AssetFilter(near=(108.3, 22.8), radius_m=20_000)
        index = Matcher(session_factory).index  # near from the index: one query reads it all
        index.catch_up()
        for f, candidates in ((AssetFilter(), None), (near, None), (near, index)):
            page = list_assets(session, f, Actor.system("t"), candidates)
            assert {a.id: [c.as_json() for c in cap] for a, cap, _ in page.rows} == expected
