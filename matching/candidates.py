"""Candidate rows copied out of the index, and the vectorised filter that selects them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from matching import rules
from matching.ragged import Ragged, RaggedView

KIND_CODE = {name: code for code, name in enumerate(rules.KINDS)}
STATUS_CODE = {name: code for code, name in enumerate(rules.STATUSES)}
SENSITIVITY_CODE = {name: code for code, name in enumerate(rules.SENSITIVITIES)}
SECTOR_CODE = {name: code for code, name in enumerate(rules.SECTORS)}
USE_CODE = {name: code for code, name in enumerate(rules.USES)}
RESOURCE_CODE = {name: code for code, name in enumerate(rules.RESOURCES)}
IN_SERVICE = STATUS_CODE[rules.Status.IN_SERVICE]


@dataclass(frozen=True, slots=True)
class Rows:
    """Columns of candidate assets, copied out of one index generation (safe to keep)."""

    asset_id: np.ndarray
    kind: np.ndarray
    status: np.ndarray
    sensitivity: np.ndarray
    sector: np.ndarray
    use: np.ndarray
    profile: np.ndarray  # see profile_codes
    owner_id: np.ndarray
    height: np.ndarray  # metres, nan where unknown
    top: np.ndarray  # highest usable free antenna mount, metres, nan if none (see ingest)
    free: np.ndarray  # (rows, len(RESOURCES)) free units
    lon: np.ndarray  # points; nan for lines
    lat: np.ndarray
    coords: Ragged | RaggedView  # lines: lon/lat vertices, shape (k, 2); points: empty rows
    free_heights: Ragged | RaggedView  # antenna_mount heights of the free positions
    refs: Ragged | RaggedView  # owner_ref as UTF-8 bytes, decoded on demand by owner_ref(i)
    owner_name: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.asset_id)

    def take(self, index: np.ndarray) -> Rows:
        index = np.asarray(index, dtype=np.int64)
        values = {}
        for f in fields(self):
            column = getattr(self, f.name)
            if isinstance(column, tuple):
                values[f.name] = tuple(column[i] for i in index.tolist())
            elif isinstance(column, Ragged | RaggedView):
                values[f.name] = column.take(index)
            else:
                values[f.name] = column[index]
        return Rows(**values)

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        parts = [p for p in parts if len(p)] or parts[:1]
        if len(parts) == 1:
            return parts[0]
        values = {}
        for f in fields(Rows):
            columns = [getattr(p, f.name) for p in parts]
            if isinstance(columns[0], tuple):
                values[f.name] = tuple(v for column in columns for v in column)
            elif isinstance(columns[0], Ragged | RaggedView):
                values[f.name] = Ragged.concat(columns)
            else:
                values[f.name] = np.concatenate(columns)
        return Rows(**values)

    def owner_ref(self, i: int) -> str:
        return self.refs.get_str(i)

    def kind_name(self, i: int) -> str:
        return rules.KINDS[self.kind[i]]

    def sector_name(self, i: int) -> str:
        return rules.SECTORS[self.sector[i]]

    def sensitivity_name(self, i: int) -> str:
        return rules.SENSITIVITIES[self.sensitivity[i]]

    def free_of(self, i: int, resource: str) -> int:
        return int(self.free[i, RESOURCE_CODE[resource]])


@dataclass(frozen=True, slots=True)
class Found:
    """What an index query returns: rows, their distance in metres, and the registry seq."""

    seq: int
    rows: Rows
    distance_m: np.ndarray
    metric_xy: np.ndarray | None = None  # corridor queries: the rows' vertices in the route frame
    metric_row: np.ndarray | None = None  # ... and the row of each vertex

    @staticmethod
    def join(seq: int, parts: list[Found]) -> Found:
        """One Found from per-table parts, renumbering vertices to the joined rows."""
        if len(parts) == 1:
            return Found(
                seq, parts[0].rows, parts[0].distance_m, parts[0].metric_xy, parts[0].metric_row
            )
        offsets = np.cumsum([0] + [len(p.rows) for p in parts])
        metric = all(p.metric_xy is not None for p in parts)
        return Found(
            seq,
            Rows.concat([p.rows for p in parts]),
            np.concatenate([p.distance_m for p in parts]),
            np.concatenate([p.metric_xy for p in parts]) if metric else None,
            np.concatenate([p.metric_row + o for p, o in zip(parts, offsets, strict=False)])
            if metric
            else None,
        )


@lru_cache(maxsize=256)
def _allowed(
    resources: frozenset[str], kinds: frozenset[str] | None, sectors: frozenset[str] | None
) -> np.ndarray:
    """bool[profile]: may an asset with this profile code host every resource, in service?"""
    allowed = np.zeros((len(rules.KINDS), len(rules.USES), len(rules.SECTORS)), dtype=bool)
    for k, kind in enumerate(rules.KINDS):
        if kinds is not None and kind not in kinds:
            continue
        for u, use in enumerate(rules.USES):
            for s, sector in enumerate(rules.SECTORS):
                if sectors is not None and sector not in sectors:
                    continue
                allowed[k, u, s] = all(rules.can_host(kind, r, use, sector) for r in resources)
    # One lookup table over profile_codes: allowed, and in service.
    in_service = np.arange(len(rules.STATUSES)) == IN_SERVICE
    by_profile = (allowed[..., None] & in_service).ravel()
    by_profile.setflags(write=False)
    return by_profile


@dataclass(frozen=True)
class RowFilter:
    """In service, of a kind/use/sector the rules allow for every need, with enough free units."""

    by_profile: np.ndarray  # bool per profile code (see profile_codes)
    need: np.ndarray  # units per resource code

    @classmethod
    def for_needs(
        cls,
        needs: Mapping[str, int],
        kinds: Collection[str] | None = None,
        sectors: Collection[str] | None = None,
    ) -> RowFilter:
        need = np.zeros(len(rules.RESOURCES), dtype=np.int32)
        for resource, units in needs.items():
            need[RESOURCE_CODE[resource]] = units
        by_profile = _allowed(
            frozenset(needs),
            None if kinds is None else frozenset(kinds),
            None if sectors is None else frozenset(sectors),
        )
        return cls(by_profile=by_profile, need=need)

    def mask(self, profile: np.ndarray, free: np.ndarray) -> np.ndarray:
        keep = self.by_profile[profile]
        for code in np.flatnonzero(self.need).tolist():
            keep &= free[:, code] >= self.need[code]
        return keep


def profile_codes(kind, use, sector, status) -> np.ndarray:
    """One int16 per asset packing kind, pole use, owner sector and status, so that the
    filter is a single table lookup instead of four gathers."""
    code = kind.astype(np.int16) * len(rules.USES) + use
    code = code * len(rules.SECTORS) + sector
    return (code * len(rules.STATUSES) + status).astype(np.int16)
