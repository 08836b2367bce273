"""Factories for workflow tests: an owner, an operator, an approver, assets, share requests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from registry.db.uow import Actor, UnitOfWork
from registry.inventory import assets
from registry.inventory.models import utcnow
from registry.inventory.validation import parse_asset_feature
from registry.workflow import share_requests
from registry.workflow.share_holds import UnitAsk
from tests.factories import line_feature, make_org, point_feature


@dataclass
class Parties:
    """The cast of a sharing scenario, each as the Actor its services run as."""

    owner: Actor
    operator: Actor
    approver: Actor
    admin: Actor

    @property
    def owner_id(self) -> int:
        return self.owner.org_id

    @property
    def operator_id(self) -> int:
        return self.operator.org_id


def make_parties(session_factory) -> Parties:
    """China Tower owns, China Mobile asks, the city approves."""
    owner = make_org(session_factory, "China Tower Guangxi", "tower_company")
    operator = make_org(session_factory, "China Mobile Nanning", "telecom")
    approver = make_org(session_factory, "Nanning Planning Bureau", "municipal")
    return Parties(
        owner=Actor("China Tower Guangxi/ops", owner.id, frozenset({"owner"})),
        operator=Actor("China Mobile Nanning/planner", operator.id, frozenset({"operator"})),
        approver=Actor("Nanning Planning Bureau/clerk", approver.id, frozenset({"approver"})),
        admin=Actor.system("test-admin"),
    )


def make_asset(session_factory, feature: dict) -> int:
    """Create an asset from a Feature as an admin; returns its id."""
    with UnitOfWork(session_factory, Actor.system("test")) as uow:
        return assets.create_asset(uow, parse_asset_feature(feature)).id


def make_cable(session_factory, owner_id: int, cores: int = 48, lon: float = 108.36) -> int:
    """A fiber cable of `cores` cores, about 1 km long."""
    coords = [(lon, 22.81), (lon + 0.01, 22.81)]
    capacity = {"fiber_core": {"total": cores}}
    return make_asset(session_factory, line_feature(owner_id, coords, capacity=capacity))


def make_tower(session_factory, owner_id: int, heights=(40, 40, 35, 35, 28, 28), **kw) -> int:
    """A tower whose mount positions sit at `heights`."""
    capacity = {"antenna_mount": {"total": len(heights), "heights": list(heights)}}
    return make_asset(session_factory, point_feature(owner_id, capacity=capacity, **kw))


def request_share(session_factory, actor: Actor, hold=None, swap=None, clock=None, **ask) -> int:
    """Open a share request as `actor` (at `clock()`'s time if given); returns its id."""
    hold = hold or share_requests.DEFAULT_HOLD
    purpose = ask.pop("purpose", "5G backhaul for site NN-0001")
    with UnitOfWork(session_factory, actor, clock=clock or utcnow) as uow:
        sr = share_requests.create_share_request(uow, UnitAsk(**ask), purpose, swap=swap, hold=hold)
        return sr.id


def act(session_factory, actor: Actor, action: str, request_id: int, *args, **kwargs):
    """Run one share-request action (accept, reject, withdraw, release) as `actor`."""
    with UnitOfWork(session_factory, actor, request_id="test-req") as uow:
        return getattr(share_requests, action)(uow, request_id, *args, **kwargs)


SHORT_HOLD = dt.timedelta(milliseconds=300)


def an_hour_ago() -> dt.datetime:
    """A clock set an hour back: a hold placed by it has lapsed already, with no sleep."""
    return utcnow() - dt.timedelta(hours=1)
