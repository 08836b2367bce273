"""Plain asset records and the AssetSource interface the registry implements for the engine."""
# ruff: noqa: E501 - the interface below is quoted verbatim from the engine contract

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True, slots=True)
class Capacity:
    total: int
    free: int  # total minus live allocations, right now
    free_heights: tuple[
        float, ...
    ] = ()  # antenna_mount only: height in m of each FREE mount position; float('nan') where unknown


@dataclass(frozen=True, slots=True)
class AssetRecord:
    id: int
    kind: str  # tower pole manhole cabinet rooftop indoor_system duct aerial_route fiber_cable
    status: str  # planned in_service decommissioned
    sensitivity: str  # public restricted confidential
    owner_id: int
    owner_name: str
    owner_sector: str  # telecom tower_company power rail highway municipal other
    owner_ref: str
    geometry: BaseGeometry  # shapely Point (point kinds) or LineString (duct, aerial_route, fiber_cable), lon/lat EPSG:4326
    height_m: float | None = None
    use: str | None = None  # poles: power lighting telecom traffic other ("lighting" = street lamp)
    capacity: Mapping[str, Capacity] = field(
        default_factory=dict
    )  # resources: antenna_mount attachment subduct fiber_core


class AssetSource(Protocol):
    def current_seq(self) -> int: ...
    def snapshot(
        self,
    ) -> tuple[
        int, Iterable[AssetRecord]
    ]: ...  # all live assets, consistent at the returned change-feed seq
    def changes_since(
        self, seq: int
    ) -> tuple[
        int, Sequence[int] | None
    ]: ...  # (new_seq, ids of assets touched in (seq, new_seq]) — an asset, capacity or allocation write; None: everything may have changed (a restore), rebuild
    def fetch(
        self, ids: Sequence[int]
    ) -> Mapping[int, AssetRecord]: ...  # ids missing from the answer were deleted
