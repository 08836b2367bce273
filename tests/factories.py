"""Factories for test data: organisations and asset Features with sensible defaults."""

from __future__ import annotations

import itertools

from registry.db.uow import Actor, UnitOfWork
from registry.inventory import organisations

_refs = itertools.count(1)


def make_org(session_factory, name="China Tower Nanning", sector="tower_company"):
    """Create and return an organisation."""
    with UnitOfWork(session_factory, Actor.system("test")) as uow:
        return organisations.create_organisation(uow, name=name, sector=sector)


def point_feature(
    owner_id, lon=108.366, lat=22.817, kind="tower", ref=None, capacity=None, **attrs
) -> dict:
    """A point asset Feature (a tower with 6 mounts unless told otherwise)."""
    if capacity is None:
        capacity = {"antenna_mount": {"total": 6}} if kind in ("tower", "rooftop") else {}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {
            "kind": kind,
            "owner_id": owner_id,
            "owner_ref": ref or f"P{next(_refs)}",
            "capacity": capacity,
            **attrs,
        },
    }


def line_feature(owner_id, coords, kind="fiber_cable", ref=None, capacity=None, **attrs):
    """A line asset Feature (a 48-core cable unless told otherwise)."""
    if capacity is None:
        capacity = {
            "fiber_cable": {"fiber_core": {"total": 48}},
            "duct": {"subduct": {"total": 4}},
            "aerial_route": {"attachment": {"total": 4}},
        }[kind]
    return {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
        "properties": {
            "kind": kind,
            "owner_id": owner_id,
            "owner_ref": ref or f"L{next(_refs)}",
            "capacity": capacity,
            **attrs,
        },
    }
