"""Match reports: frozen dataclasses with deterministic, JSON-ready `to_dict()`.

Reports are frozen; their many parts are plain slotted dataclasses, three times faster to
create. The same request at the same registry seq gives byte-identical
`json.dumps(report.to_dict(), sort_keys=True)`: candidates are totally ordered (ties broken by
asset id) and every float is rounded (metres to 0.01, ratios and scores to 4 decimals,
coordinates to 7 decimals).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, fields, is_dataclass
from functools import cache


def metres(value: float) -> float:
    """Round to centimetres; `+ 0.0` turns -0.0 into 0.0 so JSON never shows "-0.0"."""
    return round(float(value), 2) + 0.0


def ratio(value: float) -> float:
    return round(float(value), 4) + 0.0


_ATOMS = frozenset({str, int, float, bool, type(None)})


def _plain(value):
    """What `dataclasses.asdict` makes of a field value: containers rebuilt, atoms shared
    (asdict deep-copies them, which changes nothing for immutable atoms)."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if isinstance(value, _Serialisable):
        return value.to_dict()
    if kind is dict:
        return {k: _plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return kind(_plain(v) for v in value)
    return asdict(value) if is_dataclass(value) else copy.deepcopy(value)


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


class _Serialisable:
    """`to_dict()` equal to `dataclasses.asdict`, ~5x faster: the API serialises every report."""

    __slots__ = ()

    def to_dict(self) -> dict:
        return {name: _plain(getattr(self, name)) for name in _field_names(type(self))}


@cache
def _dict_fields(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if str(f.type).startswith("dict"))


class _Flat(_Serialisable):
    """Report parts whose fields are atoms, tuples of atoms, or dicts of atoms."""

    __slots__ = ()

    def to_dict(self) -> dict:
        cls = type(self)
        out = {name: getattr(self, name) for name in _field_names(cls)}
        for name in _dict_fields(cls):
            out[name] = dict(out[name])
        return out


@dataclass(slots=True)
class SiteSuggestion(_Flat):
    asset_id: int
    owner_ref: str
    owner_id: int
    owner_name: str
    owner_sector: str
    kind: str
    sensitivity: str
    distance_m: float
    free: dict[str, int]
    sharing_mode: str
    estimated_saving: float
    score: float
    explanation: str


@dataclass(frozen=True)
class SiteReport(_Serialisable):
    verdict: str
    reason: str
    registry_seq: int
    request: dict
    candidates: tuple[SiteSuggestion, ...]
    currency: str


@dataclass(slots=True)
class RouteSuggestion(_Flat):
    asset_id: int
    owner_ref: str
    owner_id: int
    owner_name: str
    owner_sector: str
    kind: str
    sensitivity: str
    distance_m: float
    covered_m: float
    intervals: tuple[tuple[float, float], ...]  # (from_m, to_m) along the route
    laterals_m: tuple[tuple[float, float], ...]  # join to the route at each interval's ends
    free: dict[str, int]
    sharing_mode: str
    estimated_saving: float
    explanation: str


@dataclass(slots=True)
class CoverLeg(_Flat):
    asset_id: int
    owner_id: int
    owner_name: str
    from_m: float
    to_m: float
    length_m: float
    sharing_mode: str
    lateral_from_m: float  # new trench joining the route to the asset at from_m
    lateral_to_m: float


@dataclass(frozen=True)
class RouteReport(_Serialisable):
    verdict: str
    reason: str
    registry_seq: int
    request: dict
    candidates: tuple[RouteSuggestion, ...]
    route_length_m: float
    coverage_m: float
    coverage_ratio: float
    gaps: dict  # GeoJSON FeatureCollection of the uncovered pieces
    cover: tuple[CoverLeg, ...]
    trench_avoided_m: float
    new_build_m: float  # route not covered
    lateral_m: float  # joins from the route to the cover's assets
    new_trench_m: float  # new_build_m + lateral_m
    estimated_saving: float
    currency: str
