"""A near list keeps the masked form it measured with the rows it makes for the page, so the
next request that shows them (and its masked Features) does not snap them again."""

from __future__ import annotations

import numpy as np

from registry.access.visibility import snap
from registry.db.uow import Actor, UnitOfWork
from registry.engine.matcher import Matcher
from registry.inventory import assets, page_rows
from registry.inventory.queries import AssetFilter, list_assets
from registry.inventory.validation import parse_asset_feature
from tests.factories import line_feature, make_org, point_feature

CENTRE = (108.366, 22.817)
GRID_M = 100.0


def test_masked_rows_made_for_a_page_keep_the_form_they_were_measured_on(
    session_factory, actor, monkeypatch
):
    monkeypatch.setattr(page_rows, "_ROWS", {})  # every row of the page is made afresh
    owner, caller_org = (make_org(session_factory, f"Owner {i}", "telecom") for i in range(2))
    rng = np.random.default_rng(5)
    for i in range(16):
        lon, lat = CENTRE + rng.normal(0, 0.002, 2)
        sensitivity = "restricted" if i % 2 else "public"
        if i < 12:
            feature = point_feature(owner.id, lon, lat, sensitivity=sensitivity)
        else:
            feature = line_feature(
                owner.id, [(lon, lat), (lon + 0.001, lat)], sensitivity=sensitivity
            )
        with UnitOfWork(session_factory, actor) as uow:
            assets.create_asset(uow, parse_asset_feature(feature))
    matcher = Matcher(session_factory)
    matcher.warm_up()
    operator = Actor(name="operator", org_id=caller_org.id, roles=frozenset({"operator"}))
    f = AssetFilter(near=CENTRE, radius_m=2000, mask_grid_m=GRID_M)
    with session_factory() as session:
        page = list_assets(session, f, operator, matcher.index)
    rows = {row.id: row for row, _, _ in page.rows}
    assert len(rows) == 16 and len(page.masked_ids) == 8
    for asset_id, row in rows.items():
        if asset_id in page.masked_ids:
            grid, form = row.snapped
            assert grid == GRID_M and form.equals_exact(snap(row.geom, GRID_M), 0)
        else:  # shown in full: nothing to keep
            assert row.snapped is None


def test_candidates_beyond_the_radius_are_kept_for_the_next_list(
    session_factory, actor, monkeypatch
):
    monkeypatch.setattr(page_rows, "_ROWS", {})
    owner, caller_org = (make_org(session_factory, f"Owner {i}", "telecom") for i in range(2))
    # 580 m east: within the index's reach (radius + mask grid), beyond the radius even
    # snapped (the grid moves a point at most 71 m).
    east = (CENTRE[0] + 580 / (111_320 * np.cos(np.radians(CENTRE[1]))), CENTRE[1])
    with UnitOfWork(session_factory, actor) as uow:
        beyond = assets.create_asset(
            uow, parse_asset_feature(point_feature(owner.id, *east, sensitivity="restricted"))
        ).id
    matcher = Matcher(session_factory)
    matcher.warm_up()
    operator = Actor(name="operator", org_id=caller_org.id, roles=frozenset({"operator"}))
    with session_factory() as session:
        near = list_assets(session, AssetFilter(near=CENTRE, radius_m=500, mask_grid_m=GRID_M),
                           operator, matcher.index)  # fmt: skip
        assert near.total == 0
        (kept,) = [row for _, row in page_rows._ROWS.values() if row.id == beyond]
        grid, form = kept.snapped  # measured on its masked form, which it keeps
        assert grid == GRID_M and form.equals_exact(snap(kept.geom, GRID_M), 0)
        wider = list_assets(session, AssetFilter(near=CENTRE, radius_m=700, mask_grid_m=GRID_M),
                            operator, matcher.index)  # fmt: skip
    assert [row for row, _, _ in wider.rows] == [kept] and wider.rows[0][0] is kept
    assert wider.masked_ids == [beyond]
