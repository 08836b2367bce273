"""The in-process R-tree cache of the registry: bulk-loaded, then caught up from the change feed.

The only module that imports rtree; `generation.py` holds the tables and is tree-agnostic.

- Point tree: points sit in Sort-Tile-Recursive order in numpy columns, cut into buckets of
  16 (`layout`); a packed R-tree (`kernels_tree.PackedTree`, bulk-loaded bottom up, never
  written) holds one box per bucket and is walked by compiled code together with the box
  test and the filter (`kernels.scan_points`): ~2 µs against libspatialindex's 10-30 µs,
  and no lock. Line boxes (two across the antimeridian) are bucketed by 8 in
  libspatialindex (`RTree`), whose probes take turns.
- Trees are bulk-loaded from numpy arrays (`Index((ids, mins, maxs))`), never one by one.
- Measured (1 M clustered points + 200 k lines, 2-vCPU VM, see bench/RESULTS.md): index
  ~150 MB RSS (~125 B per asset in columns), built in ~0.5 s per million points from
  columns (`load`), tree probe 10-30 µs depending on how warm the caches are.

Freshness: every query calls `catch_up()` first (~2 µs when nothing changed). Attribute and
capacity changes go into the columns in place. A moved or new asset is appended to a small
delta table scanned by brute force and its old slot is tombstoned; a deleted one is just
tombstoned. Why not `rtree.delete`: measured on 1 M points, one delete takes ~3.6 ms (10 k
deletes: 36 s), against ~50 µs per insert and ~1 µs per tombstone; 10 k mixed changes catch
up in ~0.09 s. Past `delta_limit` deltas, or 10% tombstones, the index compacts: it freezes
a snapshot (~0.3 s for 1 M), merges and bulk-loads a new generation in a background thread
(~1.3 s), and the next catch-up installs it and replays the feed written meanwhile.

Concurrency: catch-ups are serialised by a lock and coalesced (a query that arrives while a
catch-up runs waits for the next one rather than starting its own); they write under the
write side of a readers-writer lock; a query reads the tables (and copies out what it keeps)
under the read side, so it always sees one consistent generation and the seq it was caught
up to. Probes into a tree
are serialised as well, because libspatialindex is not thread-safe even for reads.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import threading

import numpy as np
import rtree

from matching import geo, layout, refine
from matching.candidates import Found, RowFilter
from matching.changes import apply_changes, plan_changes
from matching.columns import AssetTable
from matching.compaction import Compacting, trim_heap
from matching.generation import Generation
from matching.path import MetricPath
from matching.records import AssetSource
from matching.rwlock import ReadWriteLock

log = logging.getLogger(__name__)


class RTree:
    """A bulk-loaded libspatialindex tree of boxes numbered 0..n-1, safe to share.

    libspatialindex is not safe even for concurrent reads: queries share the tree's node
    pools (libspatialindex#189, Toblerity/rtree#53) and ctypes drops the GIL. Eight reader
    threads segfaulted without the lock, so probes into one tree take turns (~16 µs each).
    """

    def __init__(self, mins: np.ndarray, maxs: np.ndarray) -> None:
        props = rtree.index.Property()
        props.dimension = 2
        # Measured on 62 k point buckets: 16 µs per probe at capacity 32, 20 µs at 100.
        props.leaf_capacity = props.index_capacity = 32
        ids = np.arange(len(mins), dtype=np.int64)
        arrays = (ids, np.ascontiguousarray(mins), np.ascontiguousarray(maxs))
        self._index = rtree.index.Index(arrays, properties=props)
        self._lock = threading.Lock()
        # ctypes arguments of `probe`, made once: the lock makes them safe to reuse.
        self._args = _ProbeArgs()

    def hits(self, boxes: np.ndarray) -> np.ndarray:
        """Entry numbers whose boxes meet any of `boxes`."""
        with self._lock:
            if len(boxes) == 1:
                return self._args.probe(self._index, boxes[0].tolist())
            ids, _ = self._index.intersection_v(boxes[:, :2].copy(), boxes[:, 2:].copy())
        return np.unique(ids)


_BOX = ctypes.c_double * 2
_VOID_P = ctypes.POINTER(ctypes.c_void_p)


class _ProbeArgs:
    """Reusable ctypes arguments for one probe at a time (the caller serialises probes)."""

    def __init__(self) -> None:
        self.low, self.high = _BOX(), _BOX()
        self.ids = ctypes.POINTER(ctypes.c_int64)()
        self.count = ctypes.c_uint64(0)
        self.ids_ref, self.count_ref = ctypes.byref(self.ids), ctypes.byref(self.count)

    def probe(self, tree: rtree.index.Index, box) -> np.ndarray:
        """Ids whose boxes meet `box`, straight from libspatialindex's C API into numpy.

        `Index.intersection` builds ctypes arrays through Python properties and yields ids
        one by one; calling `Index_Intersects_id` (the same call it makes) with arguments
        made once, and copying the answer with one memcpy, saves ~20 µs per probe. Relies
        on rtree 1.4's `core.rt` bindings, pinned in requirements.txt; tested against
        `intersection`.
        """
        self.low[0], self.low[1], self.high[0], self.high[1] = box
        rt = rtree.core.rt
        rt.Index_Intersects_id(tree.handle, self.low, self.high, 2, self.ids_ref, self.count_ref)
        try:
            size = self.count.value * 8
            found = np.frombuffer(ctypes.string_at(self.ids, size), dtype=np.int64)
        finally:
            rt.Index_Free(ctypes.cast(self.ids, _VOID_P))
        return found


def probe(tree: rtree.index.Index, box) -> np.ndarray:
    """Ids whose boxes meet `box` (one probe; see `_ProbeArgs.probe`)."""
    return _ProbeArgs().probe(tree, box)


def _make_tree(mins: np.ndarray, maxs: np.ndarray) -> RTree | None:
    return RTree(mins, maxs) if len(mins) else None


class AssetIndex(Compacting):
    """A spatial cache of an AssetSource, safe to share between threads.

    `within_radius` and `within_corridor` are the queries; both catch up first and return a
    `Found` stamped with the seq they answered at.
    """

    def __init__(
        self,
        source: AssetSource,
        *,
        delta_limit: int = 20_000,
        rebuild_in_background: bool = True,
        bucket_size: int = layout.BUCKET,
    ) -> None:
        self._source = source
        self.delta_limit = delta_limit
        self.rebuild_in_background = rebuild_in_background
        self.bucket_size = bucket_size
        self._gen: Generation | None = None
        self._rw = ReadWriteLock()
        self._update_lock = threading.Lock()
        self._tickets = itertools.count()
        self._fresh_from = -1  # ticket at which the last completed catch-up started
        self._rebuilding = False
        self._ready: Generation | None = None  # built by a background compaction
        self.rebuilds = 0
        self.make_tree = _make_tree

    @property
    def seq(self) -> int:
        return -1 if self._gen is None else self._gen.seq

    def build(self) -> int:
        """Load the whole source (bulk) and return the seq the index is built to."""
        with self._update_lock:
            return self._build_locked()

    def load(self, points: AssetTable, lines: AssetTable, owners: dict[int, str], seq: int) -> int:
        """Bulk-load from column tables instead of the source's snapshot: the array path,
        which creates no AssetRecords (see `ingest.from_columns`).

        Takes the source's live point and line assets as tables, owner names by owner id,
        and the seq they are consistent at; catch-ups continue from that seq. Returns it.
        """
        owners = dict(owners)
        gen = Generation.from_tables(points, lines, owners, seq, self.bucket_size, self.make_tree)
        with self._update_lock, self._rw.write():
            self._gen = gen
        trim_heap()
        log.info("index loaded: %d points, %d lines at seq %d", len(points), len(lines), seq)
        return seq

    def _build_locked(self) -> int:
        tables = getattr(self._source, "snapshot_tables", None)
        if tables is not None:  # a source that reads columns directly (no AssetRecords)
            seq, points, lines, owners = tables()
            gen = Generation.from_tables(
                points, lines, owners, seq, self.bucket_size, self.make_tree
            )
            with self._rw.write():
                self._gen = gen
            trim_heap()
            log.info("index loaded: %d points, %d lines at seq %d", len(points), len(lines), seq)
            return seq
        seq, records = self._source.snapshot()
        gen = Generation.from_records(records, seq, self.bucket_size, self.make_tree)
        with self._rw.write():
            self._gen = gen
        trim_heap()
        log.info("index built: %d points, %d lines at seq %d", len(gen.points), len(gen.lines), seq)
        return seq

    def catch_up(self) -> int:
        """Apply the change feed since our seq; cheap when nothing changed. Returns the seq."""
        ticket = next(self._tickets)
        with self._update_lock:
            if self._gen is None:
                return self._build_locked()
            if self._fresh_from > ticket:  # a catch-up that began after we arrived has finished
                return self._gen.seq
            started = next(self._tickets)
            if self._ready is not None:  # a background compaction has finished: switch to it
                ready, self._ready = self._ready, None
                self._install(ready)
            self._catch_up_locked()
            self._fresh_from = started
            self._maybe_compact()
            return self._gen.seq

    def _catch_up_locked(self) -> None:
        gen = self._gen
        new_seq, ids = self._source.changes_since(gen.seq)
        if ids is None:  # the source says everything may have changed (a restore): rebuild
            self._build_locked()
            return
        if not ids:
            if new_seq != gen.seq:
                with self._rw.write():
                    gen.seq = new_seq
            return
        plan = plan_changes(gen, ids, self._source.fetch(ids))
        with self._rw.write():
            apply_changes(gen, plan)
            gen.seq = new_seq

    def within_radius(
        self,
        lon: float,
        lat: float,
        radius_m: float,
        row_filter: RowFilter | None = None,
        *,
        points: bool = True,
        lines: bool = True,
    ) -> Found:
        """Live assets within `radius_m` metres of (lon, lat) that pass `row_filter`."""

        def copy_near(table, slots, owners) -> Found:
            return Found(-1, *refine.near_point(table, slots, lon, lat, radius_m, owners))

        seq, parts = self.scan_radius(
            lon, lat, radius_m, row_filter, copy_near, points=points, lines=lines
        )
        return Found.join(seq, parts)

    def scan_radius(
        self, lon, lat, radius_m, row_filter, read, *, points=True, lines=True
    ) -> tuple[int, list]:
        """Call `read(table, slots, owners)` on the live slots of each table whose boxes meet
        the circle's and which pass `row_filter`; returns (seq, what the calls returned).

        `read` runs under the read lock, so it may look at the table directly (and must copy
        what it keeps): a site query reads a few columns of its ~50 candidates and copies
        out only the dozen that can rank, instead of copying every row first.
        """
        self.catch_up()
        boxes = geo.radius_boxes(lon, lat, radius_m)
        with self._rw.read():
            gen = self._gen
            hits = gen.probe(boxes, row_filter, points=points, lines=lines)
            return gen.seq, [read(table, slots, gen.owners) for table, slots in hits]

    def read_generation(self, read) -> tuple[int, object]:
        """Catch up, then call `read(generation)` under the read lock (batch work, which
        must copy what it keeps); returns (seq, what it returned)."""
        self.catch_up()
        with self._rw.read():
            gen = self._gen
            return gen.seq, read(gen)

    def within_corridor(
        self, path: MetricPath, corridor_m: float, row_filter: RowFilter | None = None
    ) -> Found:
        """Live line assets within `corridor_m` metres of the route that pass `row_filter`."""
        self.catch_up()
        boxes = path.search_boxes(corridor_m)
        with self._rw.read():
            gen = self._gen
            parts = [
                refine.near_path(table, slots, path, corridor_m, gen.owners)
                for table, slots in gen.probe(boxes, row_filter, points=False, lines=True)
            ]
            return Found.join(gen.seq, parts)

    def stats(self) -> dict[str, int]:
        gen = self._gen
        if gen is None:
            return {"seq": -1}
        return {
            "seq": gen.seq,
            "points": len(gen.points),
            "lines": len(gen.lines),
            "delta_points": len(gen.delta_points),
            "delta_lines": len(gen.delta_lines),
            "dead": gen.dead,
            "rebuilds": self.rebuilds,
        }
