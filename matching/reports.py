"""Match reports: frozen dataclasses with deterministic, JSON-ready `to_dict()`.

Reports are frozen; their many parts are plain slotted dataclasses, three times faster to
create. The same request at the same registry seq gives byte-identical
`json.dumps(report.to_dict(), sort_keys=True)`: candidates are totally ordered (ties broken by
asset id) and every float is rounded (metres to 0.01, ratios and scores to 4 decimals,
coordinates to 7 decimals).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


def metres(value: float) -> float:
    """Round to centimetres; `+ 0.0` turns -0.0 into 0.0 so JSON never shows "-0.0"."""
    return round(float(value), 2) + 0.0


def ratio(value: float) -> float:
    return round(float(value), 4) + 0.0


class _Serialisable:
    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]


@dataclass(slots=True)
class SiteSuggestion(_Serialisable):
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
class RouteSuggestion(_Serialisable):
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
    free: dict[str, int]
    sharing_mode: str
    estimated_saving: float
    explanation: str


@dataclass(slots=True)
class CoverLeg(_Serialisable):
    asset_id: int
    owner_id: int
    owner_name: str
    from_m: float
    to_m: float
    length_m: float
    sharing_mode: str


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
    new_build_m: float
    estimated_saving: float
    currency: str
