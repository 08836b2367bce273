"""The benchmark registry: seed_data.benchmark arrays as engine columns, records and a source.

The arrays are read with the registry's semantics (what `flask seed` would store): owner ids
are the owner's position in `OWNERS` plus one, poles are used as the generator says,
allocations fill mounts from the top, and assets out of service hold no allocations.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from matching import rules
from matching.candidates import RESOURCE_CODE, SECTOR_CODE, USE_CODE
from matching.columns import AssetTable
from matching.ingest import from_columns
from matching.ragged import Ragged
from matching.records import AssetRecord, Capacity
from seed_data import benchmark
from seed_data.orgs import MUNICIPAL, NANNING_ORGS, POWER_GRID
from seed_data.spec import KIND_CODES, KINDS

NAMES = {org.key: org.name for org in NANNING_ORGS}
SECTORS = {org.key: org.sector for org in NANNING_ORGS}
OWNER_NAMES = {code + 1: NAMES[key] for code, key in enumerate(benchmark.OWNERS)}
_SECTOR_OF_OWNER = np.array([SECTOR_CODE[SECTORS[key]] for key in benchmark.OWNERS], np.int8)
_POLE_USE = {POWER_GRID: "power", MUNICIPAL: "lighting"}
_USE_OF_OWNER = np.array(
    [USE_CODE[_POLE_USE.get(key, "telecom")] for key in benchmark.OWNERS], dtype=np.int8
)
_TOWER, _POLE, _ROOFTOP = (KINDS.index(k) for k in ("tower", "pole", "rooftop"))
_IN_SERVICE = rules.STATUSES.index(rules.Status.IN_SERVICE)


def _refs(kind: np.ndarray, ids: np.ndarray) -> Ragged:
    """`benchmark.owner_ref` for every asset ("BM-TWR-000000042"), without a Python loop."""
    prefixes = [f"BM-{KIND_CODES[k]}-".encode() for k in KINDS]
    lengths = np.array([len(p) for p in prefixes])[kind] + 9
    out = Ragged.from_lengths(lengths, np.empty(int(lengths.sum()), dtype=np.uint8))
    starts = out.offsets[:-1]
    for code, prefix in enumerate(prefixes):
        rows = np.flatnonzero(kind == code)
        span = starts[rows, None] + np.arange(len(prefix))
        out.values[span] = np.frombuffer(prefix, dtype=np.uint8)
    digits = (ids[:, None] // 10 ** np.arange(8, -1, -1)) % 10 + ord("0")
    out.values[out.offsets[1:, None] - 9 + np.arange(9)] = digits
    return out


def _free_heights(c, height: np.ndarray, free: np.ndarray) -> Ragged:
    """Heights of the free antenna mounts: by_platform fills positions from the top (unit 1),
    so the free ones are the lowest; towers step down 3 m per platform of 3 positions."""
    antenna = c.resource == RESOURCE_CODE["antenna_mount"]
    count = np.where(antenna, free, 0).astype(np.int64)
    row = np.repeat(np.arange(len(count)), count)
    unit = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)
    unit += (c.total[row] - free[row]).astype(np.int64)  # position index, 0 = top
    kind, h = c.kind[row], height[row].astype(np.float64)
    tower = (h - 1) - (unit // 3) * 3.0
    other = h + np.where(kind == _ROOFTOP, 3.0, -0.5)
    return Ragged.from_lengths(count, np.where(kind == _TOWER, tower, other))


def _columns(c, height: np.ndarray) -> dict:
    """Engine columns (see `ingest.from_columns`) of one family of generated assets."""
    free_units = np.where(c.status == _IN_SERVICE, c.free, c.total).astype(np.int32)
    free = np.zeros((len(c.ids), len(rules.RESOURCES)), dtype=np.int32)
    has = np.flatnonzero(c.resource >= 0)
    free[has, c.resource[has]] = free_units[has]
    return {
        "ids": c.ids.astype(np.int64),
        "kind": c.kind.astype(np.int8),
        "status": c.status.astype(np.int8),
        "sensitivity": c.sensitivity.astype(np.int8),
        "sector": _SECTOR_OF_OWNER[c.owner],
        "use": np.where(c.kind == _POLE, _USE_OF_OWNER[c.owner], 0).astype(np.int8),
        "owner": c.owner.astype(np.int64) + 1,
        "height": height.astype(np.float64),
        "free": free,
        "heights": _free_heights(c, height, free_units),
        "refs": _refs(c.kind, c.ids),
    }


@dataclass
class Dataset:
    """One generated registry; asset id i is point i below n_points, else line i - n_points."""

    arrays: benchmark.BenchmarkArrays

    @classmethod
    def generate(cls, n_points: int, n_lines: int, provinces: int = 1) -> Dataset:
        return cls(
            benchmark.generate_arrays(n_points=n_points, n_lines=n_lines, provinces=provinces)
        )

    @classmethod
    def at_scale(cls, name: str) -> Dataset:
        """The registry of a named scale (`benchmark.SCALES`: "1m", "10m")."""
        return cls.generate(*benchmark.scale_sizes(name))

    @property
    def n_points(self) -> int:
        return len(self.arrays.lon)

    @property
    def n_lines(self) -> int:
        return len(self.arrays.line_offsets) - 1

    def point_columns(self) -> dict:
        a = self.arrays
        return {**_columns(a.points, a.height), "lon": a.lon, "lat": a.lat}

    def line_columns(self, copy: bool = False) -> dict:
        """`copy`: vertices of the index's own (so that its RSS counts them)."""
        a = self.arrays
        coords = Ragged(a.line_offsets, a.line_coords)
        if copy:
            coords = Ragged(a.line_offsets.copy(), a.line_coords.copy())
        return {**_columns(a.lines, np.full(self.n_lines, np.nan)), "coords": coords}

    def tables(self) -> tuple[AssetTable, AssetTable]:
        return (
            from_columns(self.point_columns(), line=False),
            from_columns(self.line_columns(), line=True),
        )

    @cached_property
    def _cols(self) -> tuple[dict, dict]:
        return self.point_columns(), self.line_columns()

    def record(self, asset_id: int) -> AssetRecord:
        """The AssetRecord the registry would give for one generated asset."""
        line = asset_id >= self.n_points
        cols = self._cols[line]
        i = asset_id - self.n_points if line else asset_id
        if line:
            geometry = shapely.LineString(cols["coords"].get(i))
        else:
            geometry = shapely.Point(float(cols["lon"][i]), float(cols["lat"][i]))
        capacity = {}
        resource = int((self.arrays.lines if line else self.arrays.points).resource[i])
        if resource >= 0:
            total = int((self.arrays.lines if line else self.arrays.points).total[i])
            heights = tuple(cols["heights"].get(i).tolist())
            capacity[rules.RESOURCES[resource]] = Capacity(
                total, int(cols["free"][i, resource]), heights
            )
        height = float(cols["height"][i])
        owner = int(cols["owner"][i])
        return AssetRecord(
            id=asset_id,
            kind=rules.KINDS[cols["kind"][i]],
            status=rules.STATUSES[cols["status"][i]],
            sensitivity=rules.SENSITIVITIES[cols["sensitivity"][i]],
            owner_id=owner,
            owner_name=OWNER_NAMES[owner],
            owner_sector=rules.SECTORS[cols["sector"][i]],
            owner_ref=cols["refs"].get_str(i),
            geometry=geometry,
            height_m=None if height != height else height,  # nan: unknown
            use=rules.USES[cols["use"][i]],
            capacity=capacity,
        )


class ArraySource:
    """An AssetSource over a Dataset plus an in-memory log of later writes (the change feed)."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self._changed: dict[int, AssetRecord | None] = {}  # None: deleted
        self._log_seq: list[int] = []
        self._log_id: list[int] = []
        self._seq = 1

    def put(self, record: AssetRecord) -> None:
        self._write(record.id, record)

    def delete(self, asset_id: int) -> None:
        self._write(asset_id, None)

    def _write(self, asset_id: int, record: AssetRecord | None) -> None:
        self._seq += 1
        self._changed[asset_id] = record
        self._log_seq.append(self._seq)
        self._log_id.append(asset_id)

    def get(self, asset_id: int) -> AssetRecord | None:
        if asset_id in self._changed:
            return self._changed[asset_id]
        if 0 <= asset_id < self.dataset.n_points + self.dataset.n_lines:
            return self.dataset.record(asset_id)
        return None

    def current_seq(self) -> int:
        return self._seq

    def snapshot(self):
        total = self.dataset.n_points + self.dataset.n_lines
        ids = sorted(set(range(total)) | set(self._changed))
        return self._seq, (r for i in ids if (r := self.get(i)) is not None)

    def changes_since(self, seq: int):
        start = bisect.bisect_right(self._log_seq, seq)
        return self._seq, sorted(set(self._log_id[start:]))

    def fetch(self, ids):
        return {i: r for i in ids if (r := self.get(i)) is not None}
