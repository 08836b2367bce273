"""HTTP helpers for workflow tests: access rules, the engine, and a cast with bearer tokens."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from api.auth.rules import ENDPOINT_RULES
from api.workflow_rules import WORKFLOW_RULES
from registry.db.uow import Actor, UnitOfWork
from registry.inventory import allocations
from registry.inventory.models import Organisation

OWNER, OPERATOR, APPROVER = "China Tower Guangxi", "China Mobile Nanning", "Nanning Planning"


@pytest.fixture
def workflow_app(app):
    """The app (its access rules include api.workflow_rules)."""
    assert WORKFLOW_RULES.items() <= ENDPOINT_RULES.items()
    return app


@dataclass
class Cast:
    """Bearer headers and organisation ids of an owner, an operator and an approver."""

    headers: dict[str, dict]
    org_ids: dict[str, int]

    def __getitem__(self, role: str) -> dict:
        return self.headers[role]


@pytest.fixture
def cast(workflow_app, make_token) -> Cast:
    tokens = {
        "owner": make_token(OWNER, "owner", sector="tower_company"),
        "operator": make_token(OPERATOR, "operator", sector="telecom"),
        "approver": make_token(APPROVER, "approver", sector="municipal"),
        "admin": make_token(),
    }
    factory = workflow_app.extensions["infrashare"].session_factory
    with factory() as session:
        ids = {o.name: o.id for o in session.scalars(sa.select(Organisation))}
    return Cast(
        headers={role: {"Authorization": f"Bearer {t}"} for role, t in tokens.items()},
        org_ids={"owner": ids[OWNER], "operator": ids[OPERATOR], "approver": ids[APPROVER]},
    )


def cable_feature(owner_id: int, ref: str = "NN-CBL-1", cores: int = 48) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[108.36, 22.81], [108.37, 22.81]]},
        "properties": {
            "kind": "fiber_cable",
            "owner_id": owner_id,
            "owner_ref": ref,
            "capacity": {"fiber_core": {"total": cores}},
        },
    }


def tower_feature(owner_id: int, ref: str = "NN-TWR-1", lon=108.366, lat=22.817) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "kind": "tower",
            "owner_id": owner_id,
            "owner_ref": ref,
            "height_m": 40,
            "capacity": {"antenna_mount": {"total": 4, "heights": [40, 37, 34, 25]}},
        },
    }


def hold_units(app, asset_id: int, resource: str, tenant_id: int, units: list[int]) -> None:
    """Give a tenant an active allocation of these units (test set-up)."""
    factory = app.extensions["infrashare"].session_factory
    with UnitOfWork(factory, Actor.system("test")) as uow:
        allocations.allocate(uow, asset_id, resource, tenant_id, units=units)
