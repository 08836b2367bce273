"""`near` lists from the in-process index equal the database's answer, masking included."""

from __future__ import annotations

import numpy as np

from registry.db.uow import Actor, UnitOfWork
from registry.engine.matcher import Matcher
from registry.inventory import assets
from registry.inventory.queries import AssetFilter, list_assets
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature

CENTRE = (108.366, 22.817)
SENSITIVITIES = ["public", "restricted", "confidential"]


def _scatter(session_factory, actor, owners, rng) -> list[int]:
    """60 towers and 12 cables around the centre, of every sensitivity and several owners."""
    ids = []
    for i in range(72):
        owner = owners[i % len(owners)].id
        lon, lat = CENTRE + rng.normal(0, 0.01, 2)
        sensitivity = SENSITIVITIES[i % 3]
        if i < 60:
            feature = point_feature(owner, lon, lat, sensitivity=sensitivity)
        else:
            end = (lon + rng.normal(0, 0.005), lat + rng.normal(0, 0.005))
            feature = line_feature(owner, [(lon, lat), end], sensitivity=sensitivity)
        with UnitOfWork(session_factory, actor) as uow:
            ids.append(assets.create_asset(uow, parse_asset_feature(feature)).id)
    return ids


def _answer(session_factory, f, actor, index):
    with session_factory() as session:
        page = list_assets(session, f, actor, index)
        rows = [(a.id, round(d, 6)) for a, _, d in page.rows]
        return rows, page.total, page.masked_ids


def test_near_from_the_index_equals_the_sql_path_for_every_caller(session_factory, actor):
    rng = np.random.default_rng(7)
    owners = [make_org(session_factory, f"Owner {i}", "telecom") for i in range(3)]
    ids = _scatter(session_factory, actor, owners, rng)
    matcher = Matcher(session_factory)
    matcher.warm_up()
    # A change after the index was built: the list must see it through the change feed.
    with UnitOfWork(session_factory, actor) as uow:
        assets.update_asset(
            uow, ids[0], {"geometry": {"type": "Point", "coordinates": list(CENTRE)}}
        )
    callers = [
        Actor.system("admin"),
        Actor(name="operator", org_id=owners[0].id, roles=frozenset({"operator"})),
        Actor(name="anonymous"),
    ]
    compared = 0
    for _ in range(8):
        near = tuple(CENTRE + rng.normal(0, 0.005, 2))
        f = AssetFilter(near=near, radius_m=float(rng.uniform(200, 1500)), limit=20)
        for caller in callers:
            from_index = _answer(session_factory, f, caller, matcher.index)
            assert from_index == _answer(session_factory, f, caller, None)
            compared += len(from_index[0])
    assert compared > 50  # the queries did find assets, masked ones among them
