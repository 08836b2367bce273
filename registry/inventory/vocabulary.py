"""The registry vocabulary as data: sectors, kinds, statuses, resources, per-kind attributes."""

from __future__ import annotations

import enum
from dataclasses import dataclass

# The engine's words are the registry's words: one definition, in matching/rules.py (the
# registry may import the engine; the engine imports nothing of ours).
from matching.rules import (
    LINE_KINDS,
    POINT_KINDS,
    Kind,
    PoleUse,
    Resource,
    Sector,
    Sensitivity,
    SharingMode,
    Status,
)

__all__ = [
    "ATTRIBUTES_BY_KIND",
    "LINE_KINDS",
    "LIVE_ALLOCATION_STATES",
    "MAX_UNITS",
    "POINT_KINDS",
    "RESOURCES_BY_KIND",
    "AllocationState",
    "AttributeSpec",
    "Kind",
    "PoleUse",
    "Resource",
    "Role",
    "Sector",
    "Sensitivity",
    "SharingMode",
    "Status",
]


class AllocationState(enum.StrEnum):
    RESERVED = "reserved"
    ACTIVE = "active"
    RELEASED = "released"
    EXPIRED = "expired"


LIVE_ALLOCATION_STATES = (AllocationState.RESERVED, AllocationState.ACTIVE)


# Which resources an asset of each kind can offer. A capacity for anything else is rejected,
# so that "48 fiber cores on a manhole" never enters the registry.
RESOURCES_BY_KIND: dict[Kind, frozenset[Resource]] = {
    Kind.TOWER: frozenset({Resource.ANTENNA_MOUNT}),
    Kind.POLE: frozenset({Resource.ANTENNA_MOUNT, Resource.ATTACHMENT}),
    Kind.MANHOLE: frozenset(),
    Kind.CABINET: frozenset(),
    Kind.ROOFTOP: frozenset({Resource.ANTENNA_MOUNT}),
    Kind.INDOOR_SYSTEM: frozenset({Resource.ANTENNA_MOUNT}),
    Kind.DUCT: frozenset({Resource.SUBDUCT}),
    Kind.AERIAL_ROUTE: frozenset({Resource.ATTACHMENT}),
    Kind.FIBER_CABLE: frozenset({Resource.FIBER_CORE}),
}

# Upper bounds that catch unit mistakes (a "total" of 100000 cores is a typo, not a cable).
MAX_UNITS: dict[Resource, int] = {
    Resource.ANTENNA_MOUNT: 64,
    Resource.ATTACHMENT: 64,
    Resource.SUBDUCT: 64,
    Resource.FIBER_CORE: 6912,
}


@dataclass(frozen=True)
class AttributeSpec:
    """One typed attribute of a kind: a number within a range, or a word from a list."""

    type: type
    choices: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 200


def _number(lo: float, hi: float) -> AttributeSpec:
    return AttributeSpec(float, minimum=lo, maximum=hi)


def _word(*choices: str) -> AttributeSpec:
    return AttributeSpec(str, choices=choices)


_TEXT = AttributeSpec(str)
_MATERIAL = _word("wood", "concrete", "steel", "composite", "pvc", "hdpe", "other")

ATTRIBUTES_BY_KIND: dict[Kind, dict[str, AttributeSpec]] = {
    Kind.TOWER: {
        "height_m": _number(0, 700),
        "structure": _word("monopole", "lattice", "guyed", "rooftop_mast", "other"),
        "name": _TEXT,
    },
    Kind.POLE: {
        "height_m": _number(0, 100),
        "material": _MATERIAL,
        "use": _word(*PoleUse),
    },
    Kind.MANHOLE: {"depth_m": _number(0, 30), "cover": _TEXT},
    Kind.CABINET: {"name": _TEXT},
    Kind.ROOFTOP: {"height_m": _number(0, 900), "building_name": _TEXT},
    Kind.INDOOR_SYSTEM: {"venue": _TEXT, "height_m": _number(0, 900)},
    Kind.DUCT: {
        "diameter_mm": _number(10, 2000),
        "material": _MATERIAL,
        "depth_m": _number(0, 30),
    },
    Kind.AERIAL_ROUTE: {"name": _TEXT, "voltage_kv": _number(0, 1500)},
    Kind.FIBER_CABLE: {
        "cable_type": _word("duct", "aerial", "buried", "ADSS", "OPGW"),
        "name": _TEXT,
    },
}


class Role(enum.StrEnum):
    OWNER = "owner"
    OPERATOR = "operator"
    APPROVER = "approver"
    ADMIN = "admin"
