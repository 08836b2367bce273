"""Vocabulary and the table of which asset kinds can host which resource, as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Kind(StrEnum):
    TOWER = "tower"
    POLE = "pole"
    MANHOLE = "manhole"
    CABINET = "cabinet"
    ROOFTOP = "rooftop"
    INDOOR_SYSTEM = "indoor_system"
    DUCT = "duct"
    AERIAL_ROUTE = "aerial_route"
    FIBER_CABLE = "fiber_cable"


class Status(StrEnum):
    PLANNED = "planned"
    IN_SERVICE = "in_service"
    DECOMMISSIONED = "decommissioned"


class Sensitivity(StrEnum):
    PUBLIC = "public"
    RESTRICTED = "restricted"
    CONFIDENTIAL = "confidential"


class Sector(StrEnum):
    TELECOM = "telecom"
    TOWER_COMPANY = "tower_company"
    POWER = "power"
    RAIL = "rail"
    HIGHWAY = "highway"
    MUNICIPAL = "municipal"
    OTHER = "other"


class PoleUse(StrEnum):
    POWER = "power"
    LIGHTING = "lighting"  # a street lamp
    TELECOM = "telecom"
    TRAFFIC = "traffic"
    OTHER = "other"


class Resource(StrEnum):
    ANTENNA_MOUNT = "antenna_mount"
    ATTACHMENT = "attachment"
    SUBDUCT = "subduct"
    FIBER_CORE = "fiber_core"


class SharingMode(StrEnum):
    CO_LOCATION = "co_location"
    SAME_TRENCH_SEPARATE_DUCT = "same_trench_separate_duct"  # 同沟分缆分管
    SAME_POLE_ROUTE_SEPARATE_CABLE = "same_pole_route_separate_cable"  # 同杆路分缆
    SAME_CABLE_SEPARATE_CORES = "same_cable_separate_cores"  # 同缆分芯
    CORE_LEASE = "core_lease"  # 租用纤芯
    CORE_SWAP = "core_swap"  # 纤芯置换


class Verdict(StrEnum):
    SHARE = "share"
    PARTIAL_SHARE = "partial_share"  # a route: reuse most of it plus some new trench
    CO_BUILD = "co_build"  # part of the vocabulary; the engine says share, partial or build_new
    BUILD_NEW = "build_new"


# Dense codes: the index stores these positions in int8 arrays.
KINDS: tuple[str, ...] = tuple(Kind)
STATUSES: tuple[str, ...] = tuple(Status)
SENSITIVITIES: tuple[str, ...] = tuple(Sensitivity)
SECTORS: tuple[str, ...] = tuple(Sector)
USES: tuple[str | None, ...] = (None, *PoleUse)  # code 0 means "no use given"
RESOURCES: tuple[str, ...] = tuple(Resource)

LINE_KINDS = frozenset({Kind.DUCT, Kind.AERIAL_ROUTE, Kind.FIBER_CABLE})
POINT_KINDS = frozenset(Kind) - LINE_KINDS
SITE_RESOURCES = frozenset({Resource.ANTENNA_MOUNT, Resource.ATTACHMENT})
ROUTE_RESOURCES = frozenset({Resource.SUBDUCT, Resource.FIBER_CORE, Resource.ATTACHMENT})

# Poles that can carry a small cell: lamps and smart poles, telecom poles, power poles.
SMALL_CELL_POLE_USES = frozenset({PoleUse.LIGHTING, PoleUse.TELECOM, PoleUse.POWER})


@dataclass(frozen=True)
class HostRule:
    """One row of the compatibility table: `kind` can host `resource`, shared in `mode`."""

    kind: Kind
    resource: Resource
    mode: SharingMode
    uses: frozenset[PoleUse] | None = None  # None: any use (or none given)
    sectors: frozenset[Sector] | None = None  # None: any owner sector
    mode_by_sector: Mapping[Sector, SharingMode] = field(default_factory=dict)

    def mode_for(self, sector: str) -> SharingMode:
        return self.mode_by_sector.get(sector, self.mode)


# Like NetBox's COMPATIBLE_TERMINATION_TYPES: extend the table, never add if-chains.
HOST_RULES: tuple[HostRule, ...] = (
    # Towers of every owner qualify, power-utility pylons included.
    HostRule(Kind.TOWER, Resource.ANTENNA_MOUNT, SharingMode.CO_LOCATION),
    HostRule(Kind.ROOFTOP, Resource.ANTENNA_MOUNT, SharingMode.CO_LOCATION),
    HostRule(Kind.INDOOR_SYSTEM, Resource.ANTENNA_MOUNT, SharingMode.CO_LOCATION),
    HostRule(Kind.POLE, Resource.ANTENNA_MOUNT, SharingMode.CO_LOCATION, uses=SMALL_CELL_POLE_USES),
    HostRule(Kind.POLE, Resource.ATTACHMENT, SharingMode.CO_LOCATION),
    HostRule(Kind.DUCT, Resource.SUBDUCT, SharingMode.SAME_TRENCH_SEPARATE_DUCT),
    HostRule(Kind.AERIAL_ROUTE, Resource.ATTACHMENT, SharingMode.SAME_POLE_ROUTE_SEPARATE_CABLE),
    # Operators swap cores with each other; tower companies split cores of a shared cable;
    # utilities, railways and roads lease dark fibre.
    HostRule(
        Kind.FIBER_CABLE,
        Resource.FIBER_CORE,
        SharingMode.CORE_LEASE,
        mode_by_sector={
            Sector.TELECOM: SharingMode.CORE_SWAP,
            Sector.TOWER_COMPANY: SharingMode.SAME_CABLE_SEPARATE_CORES,
        },
    ),
)

RULES_BY_KEY: Mapping[tuple[str, str], HostRule] = MappingProxyType(
    {(rule.kind, rule.resource): rule for rule in HOST_RULES}
)


def _hosts(kinds: frozenset[Kind]) -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for rule in HOST_RULES:
        if rule.kind in kinds:
            table.setdefault(rule.resource, set()).add(rule.kind)
    return {resource: frozenset(found) for resource, found in table.items()}


SITE_HOSTS: Mapping[str, frozenset[str]] = MappingProxyType(_hosts(POINT_KINDS))
ROUTE_HOSTS: Mapping[str, frozenset[str]] = MappingProxyType(_hosts(LINE_KINDS))
SHARING_MODE: Mapping[tuple[str, str], SharingMode] = MappingProxyType(
    {key: rule.mode for key, rule in RULES_BY_KEY.items()}
)

# Co-location prefers owners whose business is sharing (tower companies), then operators.
SECTOR_PREFERENCE: Mapping[str, float] = MappingProxyType(
    {
        Sector.TOWER_COMPANY: 1.0,
        Sector.TELECOM: 0.8,
        Sector.MUNICIPAL: 0.6,
        Sector.POWER: 0.6,
        Sector.HIGHWAY: 0.4,
        Sector.RAIL: 0.4,
        Sector.OTHER: 0.2,
    }
)


def can_host(kind: str, resource: str, use: str | None, sector: str) -> bool:
    """Whether an asset of this kind, pole use and owner sector can host the resource."""
    rule = RULES_BY_KEY.get((kind, resource))
    if rule is None:
        return False
    if rule.uses is not None and use not in rule.uses:
        return False
    return rule.sectors is None or sector in rule.sectors


def sharing_mode(kind: str, resource: str, sector: str) -> SharingMode:
    """The sharing mode for hosting `resource` on `kind`; KeyError if the table has no row."""
    return RULES_BY_KEY[(kind, resource)].mode_for(sector)


def common_hosts(
    resources: frozenset[str] | set[str], hosts: Mapping[str, frozenset[str]]
) -> frozenset[str]:
    """Kinds that can host every one of `resources` (one asset must take the whole need)."""
    found: frozenset[str] | None = None
    for resource in resources:
        kinds = hosts.get(resource, frozenset())
        found = kinds if found is None else found & kinds
    return found or frozenset()


class BarrierKind(StrEnum):
    """Public infrastructure a new trench must cross at a price (not assets: never shared)."""

    RAIL = "rail"
    MAJOR_ROAD = "major_road"


BARRIER_KINDS = tuple(k.value for k in BarrierKind)
_DEFAULT_CROSSING = {BarrierKind.RAIL: 25_000.0, BarrierKind.MAJOR_ROAD: 8_000.0}


@dataclass(frozen=True)
class Costs:
    """Unit costs for savings estimates; override any of them per deployment or per country.

    Build costs say what sharing avoids. `share_per_m` is a relative price per metre of each
    sharing mode; it only breaks ties when the route cover picks the cheapest of equal legs.
    """

    currency: str = "EUR"
    new_tower: float = 120_000.0
    new_pole: float = 3_000.0
    trench_per_m: float = 120.0
    aerial_per_m: float = 25.0
    fiber_per_m: float = 6.0
    share_per_m: Mapping[str, float] = field(
        default_factory=lambda: {
            SharingMode.CORE_SWAP: 0.5,
            SharingMode.CORE_LEASE: 1.0,
            SharingMode.SAME_CABLE_SEPARATE_CORES: 1.0,
            SharingMode.SAME_POLE_ROUTE_SEPARATE_CABLE: 2.0,
            SharingMode.SAME_TRENCH_SEPARATE_DUCT: 4.0,
            SharingMode.CO_LOCATION: 0.0,
        }
    )

    # One trenchless crossing (a bore or jacked sleeve) of a barrier a straight new-route edge
    # crosses: a major road's permit and boring, a railway's possession, permit and monitoring.
    crossing: Mapping[str, float] = field(default_factory=lambda: dict(_DEFAULT_CROSSING))

    def __post_init__(self) -> None:
        for kind, price in dict(self.crossing).items():
            if kind not in BARRIER_KINDS:
                raise ValueError(f"crossing: unknown barrier kind {kind!r}; use {BARRIER_KINDS}")
            if isinstance(price, bool) or not isinstance(price, int | float) or not price >= 0:
                raise ValueError(f"crossing.{kind}: give a price of at least 0, not {price!r}")

    def site_saving(self, resources: frozenset[str] | set[str]) -> float:
        """Cost of the structure these resources would need: a tower for antennas, else a pole."""
        return self.new_tower if Resource.ANTENNA_MOUNT in resources else self.new_pole

    def route_build_per_m(self, resources: frozenset[str] | set[str]) -> float:
        """What one metre of new route for these resources would cost."""
        if Resource.ATTACHMENT in resources:
            return self.aerial_per_m
        cost = self.trench_per_m
        if Resource.FIBER_CORE in resources:
            cost += self.fiber_per_m  # a core in an existing cable also saves laying a cable
        return cost

    def share_cost_per_m(self, mode: str) -> float:
        return float(self.share_per_m.get(mode, 1.0))

    def crossing_cost(self, kind: str) -> float:
        """One crossing of a barrier of this kind (a table without the kind: the default)."""
        return float(self.crossing.get(kind, _DEFAULT_CROSSING[kind]))


DEFAULT_COSTS = Costs()
