"""The in-process R-tree over the registry: bulk-loaded, then caught up from the change feed.

The only module that imports rtree. Layout of one generation:

- Point tree: points are sorted in Sort-Tile-Recursive order and cut into buckets of
  `bucket_size` (16) neighbours; the tree holds one box per bucket and numpy arrays hold the
  points. libspatialindex costs ~150 B per entry (150 MB for 1 M points); buckets cut that
  16-fold and the bucket scan is one vectorised comparison.
- Line tree: one box per line (two across the antimeridian), grown by the bulge of long
  segments (see `geo.line_boxes`).
- Both trees are bulk-loaded from numpy arrays (`Index((ids, mins, maxs))`, libspatialindex
  ≥ 2.1), never by one-by-one inserts.

Freshness: every query first calls `catch_up()`, which reads the change feed. Attribute and
capacity changes are written into the arrays in place. A moved or new asset is appended to a
small delta table scanned by brute force, and its old slot is tombstoned; a deleted asset is
tombstoned. Why not `rtree.delete`: measured on 1 M points, one delete costs ~3.6 ms (10 k
deletes: 36 s) against ~50 µs per insert and ~1 µs per tombstone. When the delta passes
`delta_limit`, or tombstones pass 10% of the base, the index compacts into a new generation
(in a background thread by default) and replays the feed written meanwhile.

Concurrency: catch-ups are serialised by a lock and coalesced (a query that arrives while a
catch-up runs waits for the next one rather than starting its own); they write under the
write side of a readers-writer lock; a query copies its rows out under the read side, so it
always sees one consistent generation and the seq it was caught up to. The tree probe itself
(~20 µs) is serialised per generation, because libspatialindex is not thread-safe for reads.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass, field

import numpy as np
import rtree

from matching import geo, layout, refine, rules
from matching.candidates import Found, RowFilter
from matching.changes import apply_changes, plan_changes
from matching.columns import AssetTable
from matching.ingest import ingest
from matching.path import MetricPath
from matching.records import AssetRecord, AssetSource
from matching.rwlock import ReadWriteLock

log = logging.getLogger(__name__)
# Line boxes per tree entry. Each libspatialindex hit costs ~0.3 µs plus ~10 µs per probe, so
# the line tree, too, indexes STR buckets and numpy checks the boxes inside them.
LINE_BUCKET = 8


def _tree(mins: np.ndarray, maxs: np.ndarray) -> rtree.index.Index | None:
    if not len(mins):
        return None
    props = rtree.index.Property()
    props.dimension = 2
    ids = np.arange(len(mins), dtype=np.int64)
    return rtree.index.Index(
        (ids, np.ascontiguousarray(mins), np.ascontiguousarray(maxs)), properties=props
    )


def _hull(boxes: np.ndarray) -> np.ndarray | None:
    """One box around many, unless it is far bigger than they are together.

    Measured on a 10 km corridor cut into 20 boxes: one probe of their hull and a numpy
    filter take 40 µs, twenty probes (`intersection_v`) 140 µs.
    """
    if len(boxes) < 2:
        return None
    lo, hi = boxes[:, :2].min(axis=0), boxes[:, 2:].max(axis=0)
    if np.prod(hi - lo) > 25 * np.prod(boxes[:, 2:] - boxes[:, :2], axis=1).sum():
        return None  # a long route, or one split at the antimeridian: probe box by box
    return np.concatenate([lo, hi])[None, :]


def _meets(candidates: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which candidate boxes meet at least one of `boxes`."""
    return np.any(
        (candidates[:, None, 0] <= boxes[None, :, 2])
        & (candidates[:, None, 2] >= boxes[None, :, 0])
        & (candidates[:, None, 1] <= boxes[None, :, 3])
        & (candidates[:, None, 3] >= boxes[None, :, 1]),
        axis=1,
    )


def _tree_hits(tree: rtree.index.Index | None, boxes: np.ndarray) -> np.ndarray:
    if tree is None or not len(boxes):
        return np.empty(0, dtype=np.int64)
    if len(boxes) == 1:  # the scalar call is ~2x faster than intersection_v for one box
        return np.fromiter(tree.intersection(tuple(boxes[0])), dtype=np.int64)
    ids, _ = tree.intersection_v(boxes[:, :2].copy(), boxes[:, 2:].copy())
    return np.unique(ids)


@dataclass
class Generation:
    """One consistent state of the index: base tables and trees, delta tables, seq."""

    points: AssetTable
    lines: AssetTable
    delta_points: AssetTable
    delta_lines: AssetTable
    owners: dict[int, str]
    seq: int
    bucket: int
    point_tree: rtree.index.Index | None = field(default=None, repr=False)
    line_tree: rtree.index.Index | None = field(default=None, repr=False)
    # libspatialindex is not safe even for concurrent reads: queries share the tree's node
    # pools (libspatialindex#189, Toblerity/rtree#53) and ctypes drops the GIL. Eight reader
    # threads segfaulted without this lock; probes into one generation's trees take turns.
    tree_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_tables(
        cls, points, lines, owners, seq: int, bucket: int, *, presorted: bool = False
    ) -> Generation:
        """Sort points into STR buckets (unless `presorted`) and bulk-load both trees."""
        if len(points) and not presorted:
            points = points.take(layout.str_order(points.lon, points.lat, bucket))
        empty_owners: dict[int, str] = {}
        gen = cls(
            points=points,
            lines=lines,
            delta_points=ingest((), empty_owners, line=False),
            delta_lines=ingest((), empty_owners, line=True),
            owners=owners,
            seq=seq,
            bucket=bucket,
        )
        if len(points):
            gen.point_tree = _tree(*layout.bucket_bounds(points.lon, points.lat, bucket=bucket))
        if len(lines.boxes):
            boxes = lines.boxes
            order = layout.str_order(
                boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3], LINE_BUCKET
            )
            lines.boxes, lines.box_row = boxes[order], lines.box_row[order]
            gen.line_tree = _tree(*layout.bucket_bounds(lines.boxes, bucket=LINE_BUCKET))
        return gen

    @classmethod
    def from_records(cls, records, seq: int, bucket: int) -> Generation:
        owners: dict[int, str] = {}
        points: list[AssetRecord] = []
        lines: list[AssetRecord] = []
        for record in records:
            (lines if record.kind in rules.LINE_KINDS else points).append(record)
        return cls.from_tables(
            ingest(points, owners, line=False, str_bucket=bucket),
            ingest(lines, owners, line=True),
            owners,
            seq,
            bucket,
            presorted=True,
        )

    def tables(self) -> tuple[AssetTable, AssetTable, AssetTable, AssetTable]:
        return self.points, self.lines, self.delta_points, self.delta_lines

    @property
    def dead(self) -> int:
        return self.points.dead + self.lines.dead

    def point_slots(self, boxes: np.ndarray) -> np.ndarray:
        with self.tree_lock:
            buckets = _tree_hits(self.point_tree, boxes)
        slots = layout.bucket_slots(buckets, len(self.points), self.bucket)
        lon, lat = self.points.lon[slots], self.points.lat[slots]
        inside = np.zeros(len(slots), dtype=bool)
        for x0, y0, x1, y1 in boxes:
            inside |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        slots = slots[inside]
        return slots[self.points.alive[slots]]

    def line_slots(self, boxes: np.ndarray) -> np.ndarray:
        hull = _hull(boxes)
        with self.tree_lock:
            buckets = _tree_hits(self.line_tree, boxes if hull is None else hull)
        hits = layout.bucket_slots(buckets, len(self.lines.boxes), LINE_BUCKET)
        hits = hits[_meets(self.lines.boxes[hits], boxes)]
        slots = np.unique(self.lines.box_row[hits])
        return slots[self.lines.alive[slots]]

    def probe(
        self, boxes: np.ndarray, row_filter: RowFilter | None, *, points: bool, lines: bool
    ) -> list[tuple[AssetTable, np.ndarray]]:
        """(table, live slots) whose boxes meet `boxes` and which pass the filter."""
        found = []
        if points:
            found += [
                (self.points, self.point_slots(boxes)),
                (self.delta_points, self.delta_points.in_boxes(boxes)),
            ]
        if lines:
            found += [
                (self.lines, self.line_slots(boxes)),
                (self.delta_lines, self.delta_lines.in_boxes(boxes)),
            ]
        if row_filter is not None:
            found = [(t, t.select(s, row_filter) if len(s) else s) for t, s in found]
        hits = [(t, s) for t, s in found if len(s)]
        return hits or found[:1]


class AssetIndex:
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

    @property
    def seq(self) -> int:
        return -1 if self._gen is None else self._gen.seq

    def build(self) -> int:
        """Load the whole source (bulk) and return the seq the index is built to."""
        with self._update_lock:
            return self._build_locked()

    def _build_locked(self) -> int:
        seq, records = self._source.snapshot()
        gen = Generation.from_records(records, seq, self.bucket_size)
        with self._rw.write():
            self._gen = gen
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
        if not ids:
            if new_seq != gen.seq:
                with self._rw.write():
                    gen.seq = new_seq
            return
        plan = plan_changes(gen, ids, self._source.fetch(ids))
        with self._rw.write():
            apply_changes(gen, plan)
            gen.seq = new_seq

    def _maybe_compact(self) -> None:
        gen = self._gen
        delta = len(gen.delta_points) + len(gen.delta_lines)
        base = len(gen.points) + len(gen.lines)
        if self._rebuilding or (delta <= self.delta_limit and gen.dead <= 0.1 * max(base, 1000)):
            return
        self._rebuilding = True
        points, lines, owners, seq0 = (
            AssetTable.concat([gen.points, gen.delta_points]),
            AssetTable.concat([gen.lines, gen.delta_lines]),
            dict(gen.owners),
            gen.seq,
        )
        if self.rebuild_in_background:
            args = (points, lines, owners, seq0)
            threading.Thread(
                target=self._compact, args=args, name="index-compact", daemon=True
            ).start()
        else:
            self._install(Generation.from_tables(points, lines, owners, seq0, self.bucket_size))

    def _compact(self, points, lines, owners, seq0: int) -> None:
        """Build the next generation off-lock; the next catch-up installs it.

        Handing it over instead of taking the update lock here matters: eight busy readers
        can starve a thread waiting for that lock (CPython locks are not fair).
        """
        try:
            self._ready = Generation.from_tables(points, lines, owners, seq0, self.bucket_size)
        except Exception:
            log.exception("index compaction failed; the current generation stays")
            self._rebuilding = False

    def _install(self, new: Generation) -> None:
        new_seq, ids = self._source.changes_since(new.seq)  # writes made while we rebuilt
        if ids:
            apply_changes(new, plan_changes(new, ids, self._source.fetch(ids)))
        new.seq = max(new_seq, new.seq)
        with self._rw.write():
            self._gen = new
        self._rebuilding = False
        self.rebuilds += 1
        log.info(
            "index compacted at seq %d (%d points, %d lines)",
            new.seq,
            len(new.points),
            len(new.lines),
        )

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
        self.catch_up()
        boxes = geo.radius_boxes(lon, lat, radius_m)
        with self._rw.read():
            gen = self._gen
            parts = [
                Found(-1, *refine.near_point(table, slots, lon, lat, radius_m, gen.owners))
                for table, slots in gen.probe(boxes, row_filter, points=points, lines=lines)
            ]
            return Found.join(gen.seq, parts)

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
