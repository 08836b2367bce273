"""Candidate rows copied out of the index, and the vectorised filter that selects them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

import numpy as np

from matching import rules
from matching.ragged import Ragged, RaggedChain, RaggedView

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
    coords: Ragged | RaggedView | RaggedChain  # lines: lon/lat vertices (k, 2); points: none
    free_heights: Ragged | RaggedView | RaggedChain  # antenna_mount heights of free positions
    refs: Ragged | RaggedView | RaggedChain  # owner_ref as UTF-8, decoded by owner_ref(i)
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
            elif isinstance(column, Ragged | RaggedView | RaggedChain):
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
            elif isinstance(columns[0], Ragged | RaggedView | RaggedChain):
                values[f.name] = RaggedChain(columns)
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
    pairs: tuple | None = None  # ... and corridor.Pairs of route and candidate segments

    @staticmethod
    def join(seq: int, parts: list[Found]) -> Found:
        """One Found from per-table parts, renumbering vertices to the joined rows."""
        if len(parts) == 1:
            p = parts[0]
            return Found(seq, p.rows, p.distance_m, p.metric_xy, p.metric_row, p.pairs)
        offsets = np.cumsum([0] + [len(p.rows) for p in parts])
        metric = all(p.metric_xy is not None for p in parts)
        pairs = None
        if all(p.pairs is not None for p in parts):
            pairs = type(parts[0].pairs)(
                *(np.concatenate(column) for column in zip(*(p.pairs for p in parts), strict=True))
            )
            pairs = pairs._replace(
                row=np.concatenate([p.pairs.row + o for p, o in zip(parts, offsets, strict=False)])
            )
        return Found(
            seq,
            Rows.concat([p.rows for p in parts]),
            np.concatenate([p.distance_m for p in parts]),
            np.concatenate([p.metric_xy for p in parts]) if metric else None,
            np.concatenate([p.metric_row + o for p, o in zip(parts, offsets, strict=False)])
            if metric
            else None,
            pairs,
        )


# The profile code of a tombstoned slot: no filter accepts it, so filtering needs no
# separate look at `alive` (one gather fewer per probe, on memory the probe barely touches).
DEAD = len(rules.KINDS) * len(rules.USES) * len(rules.SECTORS) * len(rules.STATUSES)


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
    # One lookup table over profile_codes: allowed, and in service; DEAD is never allowed.
    in_service = np.arange(len(rules.STATUSES)) == IN_SERVICE
    by_profile = np.append((allowed[..., None] & in_service).ravel(), False)
    by_profile.setflags(write=False)
    return by_profile


@lru_cache(maxsize=256)
def _row_filter(
    needs: tuple[tuple[str, int], ...],
    kinds: frozenset[str] | None,
    sectors: frozenset[str] | None,
) -> RowFilter:
    need = np.zeros(len(rules.RESOURCES), dtype=np.int32)
    for resource, units in needs:
        need[RESOURCE_CODE[resource]] = units
    need.setflags(write=False)
    by_profile = _allowed(frozenset(r for r, _ in needs), kinds, sectors)
    codes = tuple((RESOURCE_CODE[resource], units) for resource, units in needs)
    code_array = np.array([c for c, _ in codes], dtype=np.int64)
    unit_array = np.array([u for _, u in codes], dtype=np.int32)
    for array in (code_array, unit_array):
        array.setflags(write=False)
    return RowFilter(by_profile, need, codes, code_array, unit_array)


@dataclass(frozen=True)
class RowFilter:
    """In service, of a kind/use/sector the rules allow for every need, with enough free units."""

    by_profile: np.ndarray  # bool per profile code (see profile_codes), False for DEAD
    need: np.ndarray  # units per resource code
    codes: tuple[tuple[int, int], ...] = ()  # (resource code, units) of each need
    code_array: np.ndarray | None = None  # the same as two arrays, for the compiled kernels
    unit_array: np.ndarray | None = None

    @classmethod
    def for_needs(
        cls,
        needs: Mapping[str, int],
        kinds: Collection[str] | None = None,
        sectors: Collection[str] | None = None,
    ) -> RowFilter:
        """The filter for these needs (cached: requests repeat the same few needs)."""
        return _row_filter(
            tuple(needs.items()),
            None if kinds is None else frozenset(kinds),
            None if sectors is None else frozenset(sectors),
        )

    @classmethod
    def live(cls) -> RowFilter:
        """Every live asset, whatever its kind, status or capacity (a near list's candidates):
        no filter, but it sends a probe through the compiled scans, ~80 us less a near list
        than the NumPy path that takes no filter; tombstones (DEAD) still fail it."""
        return _live_filter()

    def mask(self, profile: np.ndarray, free: np.ndarray) -> np.ndarray:
        keep = self.by_profile[profile]
        for code, units in self.codes:
            keep &= free[:, code] >= units
        return keep

    def accepts(self, table, slots: np.ndarray) -> np.ndarray:
        """`mask` for table slots, reading only the needed columns of `free`."""
        keep = self.by_profile[table.profile[slots]]
        free = table.free
        for code, units in self.codes:
            keep &= free[slots, code] >= units
        return keep


@lru_cache(maxsize=1)
def _live_filter() -> RowFilter:
    by_profile = np.ones(DEAD + 1, dtype=bool)
    by_profile[DEAD] = False
    need = np.zeros(len(rules.RESOURCES), dtype=np.int32)
    arrays = by_profile, need, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32)
    for array in arrays:
        array.setflags(write=False)
    return RowFilter(by_profile, need, (), arrays[2], arrays[3])


def profile_codes(kind, use, sector, status) -> np.ndarray:
    """One int16 per asset packing kind, pole use, owner sector and status, so that the
    filter is a single table lookup instead of four gathers."""
    code = kind.astype(np.int16) * len(rules.USES) + use
    code = code * len(rules.SECTORS) + sector
    return (code * len(rules.STATUSES) + status).astype(np.int16)
