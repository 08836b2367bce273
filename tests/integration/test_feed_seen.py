"""A match may rely on its request's own change-feed read, but never misses a write for it."""

from __future__ import annotations

from shapely.geometry import Point

from matching.requests import SiteRequest
from registry.db.engine import make_engine, make_session_factory
from registry.db.uow import UnitOfWork
from registry.engine.matcher import Matcher
from registry.inventory import assets
from registry.inventory.queries import registry_seq
from registry.inventory.validation import parse_asset_feature
from tests.factories import make_org, point_feature

SITE = (108.366, 22.817)


def _tower(session_factory, actor, owner_id) -> int:
    with UnitOfWork(session_factory, actor) as uow:
        return assets.create_asset(uow, parse_asset_feature(point_feature(owner_id, *SITE))).id


def _found(matcher) -> set[int]:
    report = matcher.match_site(SiteRequest(Point(*SITE), 300, {"antenna_mount": 1}))
    return {c["asset_id"] for c in report["candidates"]}


def _newest(session_factory) -> int:
    with session_factory() as session:
        return registry_seq(session)


def test_a_write_after_the_feed_read_in_the_same_request_is_still_matched(session_factory, actor):
    owner = make_org(session_factory)
    matcher = Matcher(session_factory)
    first = _tower(session_factory, actor, owner.id)
    assert _found(matcher) == {first}
    mark = matcher.feed_mark()
    matcher.saw_feed(_newest(session_factory), mark)  # what the request's auth check read
    second = _tower(session_factory, actor, owner.id)  # then the request writes
    try:
        assert _found(matcher) == {first, second}
    finally:
        matcher.forget_feed()


def test_the_feed_read_is_forgotten_when_the_request_ends(session_factory, actor, database_url):
    owner = make_org(session_factory)
    matcher = Matcher(session_factory)
    first = _tower(session_factory, actor, owner.id)
    assert _found(matcher) == {first}
    matcher.saw_feed(_newest(session_factory), matcher.feed_mark())
    assert _found(matcher) == {first}  # nothing changed: the seen seq is enough
    matcher.forget_feed()  # the request ends
    other_worker = make_engine(database_url)  # its commits are not counted by this process
    try:
        second = _tower(make_session_factory(other_worker), actor, owner.id)
    finally:
        other_worker.dispose()
    assert _found(matcher) == {first, second}
