"""The engine over the registry: fresh across processes, identical on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from matching.requests import RouteRequest, SiteRequest
from registry.db.uow import UnitOfWork
from registry.engine.matcher import Matcher
from registry.inventory import assets
from registry.inventory.validation import parse_asset_feature
from tests.backends import BACKENDS
from tests.factories import line_feature, make_org, point_feature

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SITE = SiteRequest(location=Point(108.366, 22.817), radius_m=500, needs={"antenna_mount": 1})
ROUTE = RouteRequest(
    route=LineString([(108.36, 22.817), (108.372, 22.817)]),
    corridor_m=30,
    needs={"fiber_core": 12},
)


def _city(session_factory, actor) -> dict:
    """A few towers and cables around the planned site, created in a fixed order."""
    org = make_org(session_factory)
    ids = {}
    layout = [("t1", 108.3665, 22.8172), ("t2", 108.3690, 22.8160), ("t3", 108.3600, 22.8200)]
    for ref, lon, lat in layout:
        with UnitOfWork(session_factory, actor) as uow:
            ids[ref] = assets.create_asset(
                uow, parse_asset_feature(point_feature(org.id, lon, lat, ref=ref, height_m=30))
            ).id
    for ref, a, b in [("c1", 108.3600, 108.3650), ("c2", 108.3648, 108.3710)]:
        with UnitOfWork(session_factory, actor) as uow:
            ids[ref] = assets.create_asset(
                uow,
                parse_asset_feature(line_feature(org.id, [(a, 22.8171), (b, 22.8171)], ref=ref)),
            ).id
    return {"org": org.id, **ids}


def _ids(report) -> list[int]:
    return [c["asset_id"] for c in report["candidates"]]


WRITER = textwrap.dedent("""
    import sys, json
    import pyproj
    from registry.db.engine import make_engine, make_session_factory
    from registry.inventory import assets, allocations
    from registry.inventory.changes import AssetPatch
    from registry.db.uow import UnitOfWork, Actor
    from registry.inventory.validation import parse_asset_feature
    url, ids = sys.argv[1], json.loads(sys.argv[2])
    factory = make_session_factory(make_engine(url))
    actor = Actor.system("other-process")
    def uow():
        return UnitOfWork(factory, actor)
    with uow() as u:  # move t3 right next to the site
        moved = AssetPatch(geometry={"type": "Point", "coordinates": [108.36601, 22.81701]})
        assets.update_asset(u, ids["t3"], moved)
    with uow() as u:  # t1 is now full
        allocations.allocate(u, ids["t1"], "antenna_mount", ids["org"], count=6)
    with uow() as u:
        assets.delete_asset(u, ids["t2"])
    with uow() as u:  # a new tower appears
        f = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [108.3662, 22.8171]},
             "properties": {"kind": "tower", "owner_id": ids["org"], "owner_ref": "t9",
                            "capacity": {"antenna_mount": {"total": 2}}}}
        assets.create_asset(u, parse_asset_feature(f))
""")


def test_the_next_match_sees_what_another_process_wrote(session_factory, actor, database_url):
    ids = _city(session_factory, actor)
    matcher = Matcher(session_factory)
    before = matcher.match_site(SITE)
    assert set(_ids(before)) == {ids["t1"], ids["t2"]}
    subprocess.run(
        [sys.executable, "-c", WRITER, database_url, json.dumps(ids)], check=True, cwd=PROJECT_ROOT
    )
    after = matcher.match_site(SITE)
    assert after["registry_seq"] > before["registry_seq"]
    new_id = max(c["asset_id"] for c in after["candidates"])
    assert _ids(after) == [ids["t3"], new_id]  # t3 moved in, t1 full, t2 gone, new one near
    assert after["candidates"][0]["distance_m"] < 2


def test_the_same_request_at_the_same_seq_gives_the_same_bytes(session_factory, actor):
    _city(session_factory, actor)
    matcher = Matcher(session_factory)
    first = json.dumps(matcher.match_route(ROUTE), sort_keys=True)
    again = json.dumps(Matcher(session_factory).match_route(ROUTE), sort_keys=True)
    assert first == again
    assert json.loads(first)["verdict"] == "share"


@pytest.fixture
def both_backends(_spatialite_template, _postgis_database):
    """Session factories on a fresh SpatiaLite file and the (emptied) PostGIS database."""
    from registry.db.engine import make_engine, make_session_factory

    urls = [_spatialite_template.fresh_url(), _postgis_database.fresh_url()]
    engines = [make_engine(u) for u in urls]
    yield [make_session_factory(e) for e in engines]
    for e in engines:
        e.dispose()


def test_spatialite_and_postgis_give_identical_reports(both_backends, actor):
    reports = []
    for factory in both_backends:
        _city(factory, actor)
        matcher = Matcher(factory)
        reports.append(
            (
                json.dumps(matcher.match_site(SITE), sort_keys=True),
                json.dumps(matcher.match_route(ROUTE), sort_keys=True),
            )
        )
    assert reports[0] == reports[1]
    assert len(BACKENDS) == 2
