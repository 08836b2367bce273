"""Seeding twice with the same data changes nothing: no row, no change-feed or audit entry."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from registry.db.uow import Actor
from registry.interop import seeding
from registry.inventory.models import Asset, AuditEntry, Change


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    sector: str
    contact: str | None = None


ORGS = [
    OrgSpec("ct", "China Tower Guangxi", "tower_company"),
    OrgSpec("cm", "China Mobile", "telecom"),
]


def _features() -> list[dict]:
    towers = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [108.30 + i / 1000, 22.81]},
            "properties": {
                "kind": "tower",
                "owner": "ct",
                "owner_ref": f"CT-{i:03d}",
                "status": "in_service",
                "sensitivity": "public",
                "attributes": {"height_m": 30.0 + i, "structure": "lattice"},
                "capacity": {"antenna_mount": {"total": 4, "heights": [30, 28, 26, 24]}},
                "allocations": [{"resource": "antenna_mount", "tenant": "cm", "units": [1]}],
            },
        }
        for i in range(5)
    ]
    cable = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[108.30, 22.80], [108.31, 22.80]]},
        "properties": {
            "kind": "fiber_cable",
            "owner": "cm",
            "owner_ref": "CM-CBL-1",
            "attributes": {"cable_type": "duct"},
            "capacity": {"fiber_core": {"total": 48}},
        },
    }
    return [*towers, cable]


def _counts(session_factory) -> tuple[int, int, int]:
    with session_factory() as session:
        return tuple(
            session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in (Asset, Change, AuditEntry)
        )


def test_seeding_the_same_data_again_writes_nothing(session_factory):
    actor = Actor.system("seed")
    first = seeding.load(session_factory, actor, ORGS, _features())
    assert first.counts == {"created": 6, "updated": 0, "unchanged": 0}
    after_first = _counts(session_factory)
    again = seeding.load(session_factory, actor, ORGS, _features())
    assert again.counts == {"created": 0, "updated": 0, "unchanged": 6}
    assert (again.organisations_created, again.allocations_created) == (0, 0)
    assert _counts(session_factory) == after_first


def test_seeding_a_changed_tower_updates_only_that_tower(session_factory):
    actor = Actor.system("seed")
    seeding.load(session_factory, actor, ORGS, _features())
    assets, feed, audit = _counts(session_factory)
    changed = _features()
    changed[2]["properties"]["attributes"]["height_m"] = 55.0
    again = seeding.load(session_factory, actor, ORGS, changed)
    assert again.counts == {"created": 0, "updated": 1, "unchanged": 5}
    assert _counts(session_factory) == (assets, feed + 1, audit + 1)
