"""Factories for planning tests: a second operator, build requests with a wanted date."""

from __future__ import annotations

import datetime as dt

from registry.db.geometry import parse_geojson
from registry.db.uow import Actor, UnitOfWork
from registry.workflow import build_requests
from tests.factories import make_org

SITE = {"type": "Point", "coordinates": [108.3665, 22.8172]}
# About 100 m east of SITE (0.001° of longitude at 22.8° N is about 102.5 m).
SITE_NEAR = {"type": "Point", "coordinates": [108.3675, 22.8172]}
SITE_FAR = {"type": "Point", "coordinates": [108.3765, 22.8172]}  # about 1 km away
ROUTE = {"type": "LineString", "coordinates": [[108.3602, 22.8101], [108.3695, 22.8101]]}
# The same street 20 m to the north, starting 300 m further east: about 660 m shared.
ROUTE_ALONG = {
    "type": "LineString",
    "coordinates": [[108.3631, 22.81028], [108.3760, 22.81028]],
}
WANTED = dt.date(2027, 3, 1)


def make_operator(session_factory, name: str) -> Actor:
    """Another telecom operator, as the Actor its planners act as."""
    org = make_org(session_factory, name, "telecom")
    return Actor(f"{name}/planner", org.id, frozenset({"operator"}))


def submit(session_factory, matcher, actor, geometry=SITE, wanted=WANTED, **kw):
    """Submit a build request as `actor`; returns it."""
    body = {"geometry": geometry, "needs": {"antenna_mount": 1}, "radius_m": 200.0}
    if geometry["type"] == "LineString":
        body = {"geometry": geometry, "needs": {"subduct": 1}, "corridor_m": 30.0}
    body.update(kw)
    body["geometry"] = parse_geojson(body["geometry"])
    with UnitOfWork(session_factory, actor) as uow:
        return build_requests.submit_build_request(
            uow, matcher, purpose="5G coverage for Qingxiu district", wanted_date=wanted, **body
        )
