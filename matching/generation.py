"""One generation of the index: base tables with their trees, delta tables, and the seq.

Independent of the tree library: `index.py` (the only rtree importer) hands in a
`make_tree(mins, maxs)` whose trees answer `hits(boxes)` with entry numbers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from matching import kernels, kernels_probe, layout, rules
from matching.candidates import RowFilter
from matching.columns import AssetTable
from matching.ingest import ingest
from matching.kernels_tree import PackedTree
from matching.records import AssetRecord

# Line boxes per tree entry. Each libspatialindex hit costs ~0.3 µs plus ~10 µs per probe, so
# the line tree, too, indexes STR buckets and numpy checks the boxes inside them.
LINE_BUCKET = 8
CHUNK = 200_000  # records ingested at a time: bounds the build's peak memory


class Tree(Protocol):
    def hits(self, boxes: np.ndarray) -> np.ndarray: ...


MakeTree = Callable[[np.ndarray, np.ndarray], Tree]


def _batched(items, size: int):
    """itertools.batched, which Python 3.11 lacks."""
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


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


def _pairs_meet(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """bool[len(a), len(b)]: does box a[i] meet box b[j]?"""
    meet = (a[:, None, 0] <= b[None, :, 2]) & (a[:, None, 2] >= b[None, :, 0])
    meet &= a[:, None, 1] <= b[None, :, 3]
    meet &= a[:, None, 3] >= b[None, :, 1]
    return meet


def _meets(candidates: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Which candidate boxes meet at least one of `boxes` (in blocks, to bound memory)."""
    step = max(1, 1_000_000 // max(len(boxes), 1))
    return np.concatenate(
        [
            np.any(
                (block[:, None, 0] <= boxes[None, :, 2])
                & (block[:, None, 2] >= boxes[None, :, 0])
                & (block[:, None, 1] <= boxes[None, :, 3])
                & (block[:, None, 3] >= boxes[None, :, 1]),
                axis=1,
            )
            for block in (candidates[k : k + step] for k in range(0, len(candidates), step))
        ]
        or [np.zeros(0, dtype=bool)]
    )


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
    point_tree: PackedTree | None = field(default=None, repr=False)
    line_tree: Tree | None = field(default=None, repr=False)
    line_buckets: np.ndarray | None = field(default=None, repr=False)  # box of each tree entry
    line_packed: PackedTree | None = field(default=None, repr=False)  # the same, compiled

    @classmethod
    def from_tables(
        cls, points, lines, owners, seq: int, bucket: int, make_tree: MakeTree, *, presorted=False
    ) -> Generation:
        """Sort points into STR buckets (unless `presorted`) and bulk-load both trees."""
        if len(points) and not presorted:
            points = points.reorder(layout.str_order(points.lon, points.lat, bucket))
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
            # A packed R-tree the compiled scan walks (kernels_tree); lines use `make_tree`.
            bounds = layout.bucket_bounds(points.lon, points.lat, bucket=bucket)
            gen.point_tree = PackedTree(*bounds)
        if len(lines.boxes):
            boxes = lines.boxes
            order = layout.str_order(
                boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3], LINE_BUCKET
            )
            lines.boxes, lines.box_row = boxes[order], lines.box_row[order]
            mins, maxs = layout.bucket_bounds(lines.boxes, bucket=LINE_BUCKET)
            gen.line_tree = make_tree(mins, maxs)
            gen.line_buckets = np.hstack([mins, maxs])
            gen.line_packed = PackedTree(mins, maxs)  # for `_scan_lines` (~0.8 MB at 200 k)
        return gen

    @classmethod
    def from_records(cls, records, seq: int, bucket: int, make_tree: MakeTree) -> Generation:
        """Ingest a snapshot chunk by chunk, so that at most CHUNK records live at once."""
        owners: dict[int, str] = {}
        point_parts, line_parts = [], []
        for chunk in _batched(records, CHUNK):
            points: list[AssetRecord] = []
            lines: list[AssetRecord] = []
            for record in chunk:
                (lines if record.kind in rules.LINE_KINDS else points).append(record)
            point_parts.append(ingest(points, owners, line=False))
            line_parts.append(ingest(lines, owners, line=True))
        empty: dict[int, str] = {}
        return cls.from_tables(
            AssetTable.concat(point_parts or [ingest((), empty, line=False)]),
            AssetTable.concat(line_parts or [ingest((), empty, line=True)]),
            owners,
            seq,
            bucket,
            make_tree,
        )

    def tables(self) -> tuple[AssetTable, AssetTable, AssetTable, AssetTable]:
        return self.points, self.lines, self.delta_points, self.delta_lines

    @property
    def dead(self) -> int:
        return self.points.dead + self.lines.dead

    def point_slots(self, boxes: np.ndarray, row_filter: RowFilter | None = None) -> np.ndarray:
        """Live base point slots inside `boxes` that pass `row_filter` (in one pass).

        Written for the site query's hot path: a handful of gathers from the buckets the
        tree hits, one combined mask, one selection.
        """
        points = self.points
        if self.point_tree is None:
            return np.empty(0, dtype=np.int64)
        if row_filter is not None:
            return self._scan(boxes, row_filter)
        slots = layout.bucket_slots(self.point_tree.hits(boxes), len(points), self.bucket)
        lon, lat = points.lon[slots], points.lat[slots]
        if len(boxes) == 1:
            x0, y0, x1, y1 = boxes[0].tolist()
            keep = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        else:
            keep = np.zeros(len(slots), dtype=bool)
            for x0, y0, x1, y1 in boxes.tolist():
                keep |= (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        # A filter rejects tombstones by their profile (candidates.DEAD); else ask `alive`.
        keep &= points.alive[slots] if row_filter is None else row_filter.accepts(points, slots)
        return slots[keep]

    def _scan(self, boxes: np.ndarray, row_filter: RowFilter) -> np.ndarray:
        """`point_slots` in compiled code: tree walk, box test and filter in one call."""
        tree, points = self.point_tree, self.points
        found = [
            kernels.scan_points(
                tree.boxes, tree.starts, tree.counts, self.bucket, points.lon, points.lat,
                points.profile, points.free, row_filter.by_profile, row_filter.code_array,
                row_filter.unit_array, box,
            )
            for box in boxes
        ]  # fmt: skip
        return found[0] if len(found) == 1 else np.unique(np.concatenate(found))

    def _scan_delta(self, boxes: np.ndarray, row_filter: RowFilter) -> np.ndarray:
        """Delta point slots in `boxes` passing the filter: bisection and filter compiled."""
        table = self.delta_points
        order, lons = table.by_lon()
        found = [
            kernels.scan_sorted(
                order, lons, table.lat, table.profile, table.free, row_filter.by_profile,
                row_filter.code_array, row_filter.unit_array, box,
            )
            for box in boxes
        ]  # fmt: skip
        return found[0] if len(found) == 1 else np.unique(np.concatenate(found))

    def line_slots(self, boxes: np.ndarray) -> np.ndarray:
        """Live base line slots with an index box that meets one of `boxes`.

        Many boxes (a route) are checked in two steps: the tree's buckets against the boxes,
        then each line box only against the boxes its bucket met. Checking every line box
        against every box cost ~100 µs on a 10 km route through a city.
        """
        if self.line_tree is None:
            return np.empty(0, dtype=np.int64)
        hull = _hull(boxes)
        buckets = self.line_tree.hits(boxes if hull is None else hull)
        if len(boxes) == 1:
            hits = layout.bucket_slots(buckets, len(self.lines.boxes), LINE_BUCKET)
            hits = hits[_meets(self.lines.boxes[hits], boxes)]
        else:
            hits = self._line_hits(buckets, boxes)
        slots = np.unique(self.lines.box_row[hits])
        return slots[self.lines.alive[slots]]

    def _line_hits(self, buckets: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Line boxes of `buckets` that meet the query box their bucket met."""
        bucket, query = np.nonzero(_pairs_meet(self.line_buckets[buckets], boxes))
        hits = (buckets[bucket, None] * LINE_BUCKET + layout.steps(LINE_BUCKET)).ravel()
        query = np.repeat(query, LINE_BUCKET)
        inside = hits < len(self.lines.boxes)  # the last bucket can be short
        hits, query = hits[inside], query[inside]
        line, box = self.lines.boxes[hits], boxes[query]
        meet = (line[:, 0] <= box[:, 2]) & (line[:, 2] >= box[:, 0])
        meet &= (line[:, 1] <= box[:, 3]) & (line[:, 3] >= box[:, 1])
        return hits[meet]

    def probe(
        self, boxes: np.ndarray, row_filter: RowFilter | None, *, points: bool, lines: bool
    ) -> list[tuple[AssetTable, np.ndarray]]:
        """(table, live slots) whose boxes meet `boxes` and which pass the filter."""
        found = []
        if points and self._fusable(boxes, row_filter):
            found += self._scan_both(boxes[0], row_filter)
        elif points:
            found += [
                (self.points, self.point_slots(boxes, row_filter)),
                (self.delta_points, self._filtered(self.delta_points, boxes, row_filter)),
            ]
        if lines:
            found += [
                (self.lines, self._filtered(self.lines, boxes, row_filter)),
                (self.delta_lines, self._filtered(self.delta_lines, boxes, row_filter)),
            ]
        hits = [(t, s) for t, s in found if len(s)]
        return hits or found[:1]

    def _fusable(self, boxes: np.ndarray, row_filter: RowFilter | None) -> bool:
        """Can one compiled call scan the base and the delta points (`_scan_both`)?"""
        return (
            row_filter is not None
            and len(boxes) == 1
            and self.point_tree is not None
            and len(self.delta_points) > 0
        )

    def _scan_both(self, box: np.ndarray, row_filter: RowFilter) -> list:
        """`point_slots` and `_scan_delta` for one box in one compiled call (kernels_probe)."""
        tree, points, delta = self.point_tree, self.points, self.delta_points
        order, lons = delta.by_lon()
        base, fresh = kernels_probe.scan_points_and_delta(
            tree.boxes, tree.starts, tree.counts, self.bucket, points.lon, points.lat,
            points.profile, points.free, row_filter.by_profile, row_filter.code_array,
            row_filter.unit_array, box, order, lons, delta.lat, delta.profile, delta.free,
        )  # fmt: skip
        return [(points, base), (delta, fresh)]

    def _scan_lines(self, boxes: np.ndarray, row_filter: RowFilter) -> np.ndarray:
        """`line_slots` + the filter in one compiled call (kernels_probe.scan_lines)."""
        tree, lines = self.line_packed, self.lines
        if tree is None:
            return np.empty(0, dtype=np.int64)
        return kernels_probe.scan_lines(
            tree.boxes, tree.starts, tree.counts, LINE_BUCKET, lines.boxes, lines.box_row,
            lines.alive, lines.profile, lines.free, row_filter.by_profile, row_filter.code_array,
            row_filter.unit_array, boxes,
        )  # fmt: skip

    def _filtered(self, table: AssetTable, boxes: np.ndarray, row_filter) -> np.ndarray:
        if not len(table):
            return np.empty(0, dtype=np.int64)
        if table is self.delta_points and row_filter is not None:
            return self._scan_delta(boxes, row_filter)
        if table is self.lines and row_filter is not None:
            return self._scan_lines(boxes, row_filter)
        if table is self.delta_lines and row_filter is not None:
            return kernels_probe.scan_boxes(
                table.boxes, table.box_row, table.alive, table.profile, table.free,
                row_filter.by_profile, row_filter.code_array, row_filter.unit_array, boxes,
            )  # fmt: skip
        slots = self.line_slots(boxes) if table is self.lines else table.in_boxes(boxes)
        return table.select(slots, row_filter) if row_filter is not None and len(slots) else slots
