"""Columnar tables of assets: numpy arrays addressed by a dense slot, built by `ingest`.

One table holds one geometry family. Points keep lon/lat in float64 arrays and build no
shapely objects; lines keep their vertices in a `Ragged` array plus index boxes. Owner names
live once per owner in a shared dict. About 100 bytes per point asset.
"""

from __future__ import annotations

import copy
from functools import cached_property

import numpy as np

from matching import geo
from matching.candidates import DEAD, Rows
from matching.ragged import Ragged, RaggedView

SCALARS = (
    "ids",
    "kind",
    "status",
    "sensitivity",
    "sector",
    "use",
    "profile",
    "owner",
    "height",
    "top",
    "free",
)
RAGGED = ("heights", "refs")
NO_COORDS = np.empty((0, 2))
NO_COORDS.setflags(write=False)


class AssetTable:
    """Assets of one geometry family as columns; `alive` is False for tombstoned slots."""

    def __init__(self, columns: dict, *, line: bool) -> None:
        self.line = line
        # Row of each slot in the RAGGED columns, when ingest left those in record order
        # (permuting a million strings costs more than this int32 column); None: same order.
        self.ragged_row: np.ndarray | None = None
        for name, value in columns.items():
            setattr(self, name, value)
        # Column-major, so that a filter reads one resource's units as one contiguous column.
        self.free = np.asfortranarray(self.free)
        self.alive = np.ones(len(self.ids), dtype=bool)
        self.dead = 0  # tombstones, counted as they are made so nobody scans `alive`
        self._by_lon: tuple[np.ndarray, np.ndarray] | None = None  # see in_boxes
        # Stable, so that among equal ids (a delta asset moved twice) the newest sorts last.
        self.order = np.argsort(self.ids, kind="stable").astype(np.int32)

    def __len__(self) -> int:
        return len(self.ids)

    def _ragged(self, slots: np.ndarray) -> np.ndarray:
        return slots if self.ragged_row is None else self.ragged_row[slots]

    def columns(self) -> dict:
        names = SCALARS + RAGGED + (("coords", "boxes", "box_row") if self.line else ("lon", "lat"))
        return {name: getattr(self, name) for name in names}

    def locate(self, ids: np.ndarray) -> np.ndarray:
        """Live slot of each id, or -1."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(self) or not len(ids):
            return np.full(len(ids), -1, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids, side="right", sorter=self.order) - 1
        slots = self.order[np.maximum(pos, 0)].astype(np.int64)
        found = (pos >= 0) & (self.ids[slots] == ids) & self.alive[slots]
        return np.where(found, slots, -1)

    def kill(self, slots: np.ndarray) -> None:
        """Tombstone slots (moved or deleted assets); idempotent."""
        slots = np.unique(np.asarray(slots, dtype=np.int64))
        self.dead += int(self.alive[slots].sum())
        self.alive[slots] = False
        self.profile[slots] = DEAD

    def same_geometry(self, slot: int, other: AssetTable, row: int) -> bool:
        if self.line != other.line:
            return False
        if not self.line:
            return self.lon[slot] == other.lon[row] and self.lat[slot] == other.lat[row]
        return np.array_equal(self.coords.get(slot), other.coords.get(row))

    def update(self, slots: np.ndarray, other: AssetTable, rows: np.ndarray) -> None:
        """Copy attributes (not geometry) of `other[rows]` into `self[slots]`, in place."""
        for name in SCALARS:
            getattr(self, name)[slots] = getattr(other, name)[rows]
        mapped, theirs_rows = self._ragged(slots).tolist(), other._ragged(rows).tolist()
        for name in RAGGED:
            mine, theirs = getattr(self, name), getattr(other, name)
            changed = {}
            for slot, row in zip(mapped, theirs_rows, strict=True):
                value = theirs.get(row)
                # Most updates are capacity changes: refs (and often heights) stay the same,
                # and an override that changes nothing would only slow down every read.
                if slot in mine.overrides or not np.array_equal(mine.get(slot), value):
                    changed[slot] = value.copy()
            mine.set_many(changed)

    def take(self, slots: np.ndarray) -> AssetTable:
        """A compact copy of `slots` (all alive), in that order."""
        picked = {}
        for name, value in self.columns().items():
            if name in RAGGED:
                picked[name] = value.take(self._ragged(slots))
            elif isinstance(value, Ragged):
                picked[name] = value.take(slots)
            elif name not in ("boxes", "box_row"):
                picked[name] = value[slots]
        if self.line:
            picked["boxes"], picked["box_row"] = geo.line_boxes(
                picked["coords"].values, picked["coords"].offsets
            )
        return AssetTable(picked, line=self.line)

    def frozen(self) -> AssetTable:
        """A snapshot that later in-place updates cannot reach: scalar columns, tombstones and
        ragged overrides are copied; flat ragged arrays are shared (never written in place)."""
        snapshot = copy.copy(self)
        for name in (*SCALARS, "alive"):
            setattr(snapshot, name, getattr(self, name).copy())
        for name, value in self.columns().items():
            if isinstance(value, Ragged):
                setattr(snapshot, name, Ragged(value.offsets, value.values, dict(value.overrides)))
        return snapshot

    def reorder(self, order: np.ndarray) -> AssetTable:
        """The same assets with slots permuted; ragged columns stay put behind `ragged_row`
        (permuting a million owner refs costs ~0.5 s, this int32 column ~5 ms)."""
        picked = {
            name: value
            for name, value in self.columns().items()
            if name in RAGGED or not isinstance(value, np.ndarray)
        }
        for name in (*SCALARS, "lon", "lat"):
            picked[name] = getattr(self, name)[order]
        picked["ragged_row"] = self._ragged(np.asarray(order)).astype(np.int32)
        return AssetTable(picked, line=self.line)

    def _packed(self) -> bool:
        return (
            not self.dead
            and self.ragged_row is None
            and not any(getattr(self, name).overrides for name in RAGGED)
        )

    @staticmethod
    def concat(tables: list[AssetTable]) -> AssetTable:
        if len(tables) == 1 and tables[0]._packed():
            return tables[0]
        live = [t if t._packed() else t.take(np.flatnonzero(t.alive)) for t in tables]
        line = tables[0].line
        merged = {}
        for name in live[0].columns():
            parts = [getattr(t, name) for t in live]
            if isinstance(parts[0], Ragged):
                merged[name] = Ragged.concat(parts)
            elif name not in ("boxes", "box_row"):
                merged[name] = np.concatenate(parts)
        if line:
            merged["boxes"], merged["box_row"] = geo.line_boxes(
                merged["coords"].values, merged["coords"].offsets
            )
        return AssetTable(merged, line=line)

    def in_boxes(self, boxes: np.ndarray) -> np.ndarray:
        """Live slots whose point or line box meets any of `boxes` (no tree: for deltas).

        Points are found by bisecting their longitudes, sorted once per table: a catch-up
        can leave thousands of delta points, and every site query looks at them.
        """
        if not len(self):
            return np.empty(0, dtype=np.int64)
        if self.line:
            b = self.boxes
            hit = np.zeros(len(b), dtype=bool)
            for x0, y0, x1, y1 in boxes:
                hit |= (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
            slots = np.unique(self.box_row[hit])
        else:
            order, lons = self.by_lon()
            parts = []
            for x0, y0, x1, y1 in boxes.tolist():
                near = order[np.searchsorted(lons, x0) : np.searchsorted(lons, x1, "right")]
                lat = self.lat[near]
                parts.append(near[(lat >= y0) & (lat <= y1)])
            slots = np.sort(parts[0]) if len(parts) == 1 else np.unique(np.concatenate(parts))
        return slots[self.alive[slots]]

    def by_lon(self) -> tuple[np.ndarray, np.ndarray]:
        """(slots sorted by longitude, their longitudes): made once per (delta) table."""
        if self._by_lon is None:
            order = np.argsort(self.lon, kind="stable")
            self._by_lon = (order, self.lon[order])
        return self._by_lon

    def select(self, slots: np.ndarray, row_filter) -> np.ndarray:
        """The subset of `slots` that the filter accepts."""
        return slots[row_filter.accepts(self, slots)]

    def rows(self, slots: np.ndarray, owners: dict[int, str]) -> Rows:
        """Copy `slots` out as Rows, so that the caller no longer needs the index lock."""
        if self.line:
            coords = RaggedView.of(self.coords, slots)
            lon = lat = np.full(len(slots), np.nan)
        else:
            lon, lat = self.lon[slots], self.lat[slots]
            coords = RaggedView.empty_rows(NO_COORDS, len(slots))
        ragged = self._ragged(slots)
        owner = self.owner[slots]
        return Rows(
            self.ids[slots],
            self.kind[slots],
            self.status[slots],
            self.sensitivity[slots],
            self.sector[slots],
            self.use[slots],
            self.profile[slots],
            owner.astype(np.int64),
            self.height[slots],
            self.top[slots],
            self.free[slots],
            lon,
            lat,
            coords,
            RaggedView.of(self.heights, ragged),
            RaggedView.of(self.refs, ragged),
            tuple(map(owners.get, owner.tolist())),
        )


class SlotRows:
    """Rows-like access to some slots of a table, each column gathered when first read.

    For reads under the index's read lock only: it looks at the live table. A site query
    ranks its ~50 candidates on four columns and copies the rest out for a dozen of them.
    """

    def __init__(self, table: AssetTable, slots: np.ndarray, owners: dict[int, str]) -> None:
        self._table, self.slots, self._owners = table, slots, owners

    def __len__(self) -> int:
        return len(self.slots)

    def take(self, index: np.ndarray) -> SlotRows:
        return SlotRows(self._table, self.slots[index], self._owners)

    def _column(self, name: str) -> np.ndarray:
        return getattr(self._table, name)[self.slots]

    asset_id = cached_property(lambda self: self._column("ids"))
    kind = cached_property(lambda self: self._column("kind"))
    sensitivity = cached_property(lambda self: self._column("sensitivity"))
    sector = cached_property(lambda self: self._column("sector"))
    owner_id = cached_property(lambda self: self._column("owner"))
    height = cached_property(lambda self: self._column("height"))
    top = cached_property(lambda self: self._column("top"))
    free = cached_property(lambda self: self._column("free"))
    lon = cached_property(lambda self: self._column("lon"))
    lat = cached_property(lambda self: self._column("lat"))

    @cached_property
    def owner_name(self) -> tuple[str, ...]:
        return tuple(map(self._owners.get, self.owner_id.tolist()))

    @cached_property
    def free_heights(self) -> RaggedView:
        return RaggedView.of(self._table.heights, self._table._ragged(self.slots))

    @cached_property
    def refs(self) -> RaggedView:
        return RaggedView.of(self._table.refs, self._table._ragged(self.slots))
