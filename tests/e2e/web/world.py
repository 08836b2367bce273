"""A small, deterministic registry for the browser journeys, made with the test factories."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from registry.inventory.models import Organisation
from tests.factories import line_feature, point_feature
from tests.workflow_factories import make_asset

OWNER, OPERATOR, APPROVER, OTHER = (
    "China Tower Guangxi",
    "China Mobile Nanning",
    "Nanning Planning Bureau",
    "Guangxi Power Grid",
)
XSS_REF = "<img src=x onerror=alert(1)>"
SECRET_REF = "PWR-SECRET-001"
TOWER_AT = (108.366, 22.817)
SECRET_AT = (108.3668, 22.8176)
# A cable along a street, and a route that runs along it for part of its length.
CABLE = [(108.360, 22.815), (108.368, 22.815)]


@dataclass
class World:
    """Tokens per role, organisation ids and the assets the journeys look for."""

    tokens: dict[str, str]
    orgs: dict[str, int]
    assets: dict[str, int] = field(default_factory=dict)


def build_world(app, make_token) -> World:
    tokens = {
        "owner": make_token(OWNER, "owner", sector="tower_company"),
        "operator": make_token(OPERATOR, "operator", sector="telecom"),
        "approver": make_token(APPROVER, "approver", sector="municipal"),
        "other": make_token(OTHER, "owner", sector="power"),
        "admin": make_token(),
    }
    factory = app.extensions["infrashare"].session_factory
    with factory() as session:
        orgs = {o.name: o.id for o in session.scalars(sa.select(Organisation))}
    owner, other = orgs[OWNER], orgs[OTHER]
    mounts = {"antenna_mount": {"total": 6, "heights": [40, 40, 37, 37, 30, 30]}}
    world = World(tokens=tokens, orgs=orgs)
    world.assets = {
        "tower": make_asset(
            factory, point_feature(owner, *TOWER_AT, ref="CTG-TWR-0001", capacity=mounts)
        ),
        "tower2": make_asset(
            factory, point_feature(owner, 108.3700, 22.8190, ref="CTG-TWR-0002", capacity=mounts)
        ),
        "xss": make_asset(factory, point_feature(owner, 108.3640, 22.8185, ref=XSS_REF)),
        "cable": make_asset(
            factory, line_feature(owner, CABLE, ref="CTG-CBL-0001", cable_type="duct")
        ),
        "secret": make_asset(
            factory,
            point_feature(
                other, *SECRET_AT, ref=SECRET_REF, sensitivity="confidential", capacity=mounts
            ),
        ),
    }
    return world
