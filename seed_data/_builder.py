"""Turns generated local-metre geometries into features with owner refs, status and sensitivity."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from seed_data.geo import LocalFrame
from seed_data.orgs import REF_PREFIX, SECTOR_OF
from seed_data.spec import KIND_CODES, Feature, feature, linestring, point

# (P(restricted), P(confidential)) by owner sector; the rest is public.
_SENSITIVITY = {"power": (0.68, 0.08), "rail": (0.72, 0.10), "highway": (0.30, 0.02)}
_DEFAULT_SENSITIVITY = (0.04, 0.01)
P_PLANNED = 0.025
P_DECOMMISSIONED = 0.015


class CityBuilder:
    """Numbers each owner's assets and rolls status and sensitivity from its own stream."""

    def __init__(self, frame: LocalFrame, rng: np.random.Generator) -> None:
        self.frame = frame
        self._rng = rng
        self._counters: Counter[tuple[str, str]] = Counter()

    def ref(self, owner: str, kind: str) -> str:
        """The owner's next reference for this kind, e.g. "CTG-TWR-000123"."""
        self._counters[owner, kind] += 1
        return f"{REF_PREFIX[owner]}-{KIND_CODES[kind]}-{self._counters[owner, kind]:06d}"

    def _roll(self, owner: str) -> tuple[str, str]:
        u_status, u_sens = self._rng.random(2)
        status = "in_service"
        if u_status < P_PLANNED:
            status = "planned"
        elif u_status < P_PLANNED + P_DECOMMISSIONED:
            status = "decommissioned"
        p_restricted, p_confidential = _SENSITIVITY.get(SECTOR_OF[owner], _DEFAULT_SENSITIVITY)
        sensitivity = "public"
        if u_sens < p_confidential:
            sensitivity = "confidential"
        elif u_sens < p_confidential + p_restricted:
            sensitivity = "restricted"
        return status, sensitivity

    def _finish(self, geometry, kind: str, owner: str, kw: dict[str, Any]) -> Feature:
        status, sensitivity = self._roll(owner)
        if status != "in_service":
            kw["allocations"] = ()  # nothing is hosted on a planned or retired asset
        return feature(
            geometry,
            kind,
            owner,
            self.ref(owner, kind),
            status=status,
            sensitivity=sensitivity,
            **kw,
        )

    def point(self, kind: str, owner: str, x: float, y: float, **kw: Any) -> Feature:
        """A point asset at local metres (x, y)."""
        lon, lat = self.frame.to_lonlat(np.array([x]), np.array([y]))
        return self._finish(point(lon[0], lat[0]), kind, owner, kw)

    def line(self, kind: str, owner: str, xy: np.ndarray | Sequence, **kw: Any) -> Feature:
        """A line asset along an (n, 2) array of local metres."""
        xy = np.asarray(xy, dtype=float)
        lon, lat = self.frame.to_lonlat(xy[:, 0], xy[:, 1])
        return self._finish(linestring(zip(lon, lat, strict=True)), kind, owner, kw)
