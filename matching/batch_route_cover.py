"""Linear referencing for many routes at once: one call to each compiled kernel per chunk.

`linref.linear_coverage` answers one route: its (route segment, candidate segment) pairs go
through `kernels_route.projection`, `pieces` and `merge_pieces`. Those kernels index route
segments and candidate rows through the pairs, never across them, so the pairs of many routes
can go through in one call once route segments and candidate rows are numbered across the
chunk (route r's segment s becomes `seg_offset[r] + s`, its row k `row_offset[r] + k`).
Sorting by (row, vertices) keeps each route's pairs, groups and pieces in the order the
one-route call sees, so every float is the same (tests/unit/matching/test_batch_routes.py).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from matching import kernels_route, linref
from matching.corridor import EPS_M, Pairs
from matching.path import MetricPath


@dataclass(frozen=True)
class ChunkCoverage:
    """Covered stretches of every candidate row of a chunk of routes (rows numbered across
    the chunk), with what the lateral look-up needs."""

    rows: int
    interval_row: np.ndarray  # merged stretches, by row: (row, lo, hi, lat_lo, lat_hi)
    interval: np.ndarray  # (n, 4) lo, hi, lateral at lo, lateral at hi
    interval_first: np.ndarray  # stretches of row k: interval_first[k]:interval_first[k + 1]
    pieces: np.ndarray  # `linref.Coverage.pieces`, stably sorted by row
    first: np.ndarray  # pieces of row k: first[k]:first[k + 1]
    proj: np.ndarray  # `kernels_route.projection` of the sorted pairs

    def stretches(self, first: int, count: int, laterals: bool = True) -> tuple[list, list]:
        """(intervals, laterals) of rows first .. first + count - 1, as tuples of pairs
        (`linref.Coverage` lists), read from the arrays once for all of them; `laterals`
        False: an empty list instead of theirs."""
        bounds = self.interval_first[first : first + count + 1]
        part = self.interval[bounds[0] : bounds[-1]]
        spans = list(zip(part[:, 0].tolist(), part[:, 1].tolist(), strict=True))
        joins = list(zip(part[:, 2].tolist(), part[:, 3].tolist(), strict=True))
        edges = (bounds - bounds[0]).tolist()
        intervals = [tuple(spans[a:b]) for a, b in itertools.pairwise(edges)]
        ends = []
        if laterals:
            ends = [tuple(joins[a:b]) for a, b in itertools.pairwise(edges)]
        return intervals, ends

    def laterals_at(self, rows: list[int], measures: list[float]) -> list[float]:
        """`linref.Coverage.laterals_at` for (chunk row, measure) pairs of any routes."""
        if not len(self.pieces) or not rows:
            return [0.0] * len(rows)
        xs, ys, owner = kernels_route.lateral_legs(
            self.pieces, self.first, self.proj,
            np.asarray(rows, dtype=np.int64), np.asarray(measures, dtype=np.float64), EPS_M,
        )  # fmt: skip
        best = np.full(len(rows), np.inf)
        np.minimum.at(best, owner, np.array(list(map(math.hypot, xs.tolist(), ys.tolist()))))
        return [b if math.isfinite(b) else 0.0 for b in best.tolist()]


def _joined(paths: list[MetricPath], pairs: list[Pairs], row_offset: np.ndarray):
    """The routes' segment columns and pairs concatenated, numbered across the chunk."""
    seg_count = np.array([len(p.seg_m) for p in paths], dtype=np.int64)
    seg_offset = np.concatenate([[0], np.cumsum(seg_count)[:-1]]).astype(np.int64)
    p0 = np.concatenate([p.segments[0] for p in paths])
    d = np.concatenate([p.segments[1] for p in paths])
    start_m = np.concatenate([p.start_m[:-1] for p in paths])
    seg_m = np.concatenate([p.seg_m for p in paths])
    sizes = np.array([len(p.row) for p in pairs], dtype=np.int64)
    segment = np.concatenate([p.segment for p in pairs]) + np.repeat(seg_offset, sizes)
    row = np.concatenate([p.row for p in pairs]) + np.repeat(row_offset, sizes)
    a = np.concatenate([p.a for p in pairs]).reshape(-1, 2)
    b = np.concatenate([p.b for p in pairs]).reshape(-1, 2)
    return (p0, d, start_m, seg_m), Pairs(segment.astype(np.int64), a, b, row.astype(np.int64))


def _grouped(pairs: Pairs):
    """Pairs sorted by (row, a, b), stably, and the start and size of each run of equal
    (row, a, b): a candidate segment, the unit `kernels_route.pieces` works on."""
    order = np.lexsort((pairs.b[:, 1], pairs.b[:, 0], pairs.a[:, 1], pairs.a[:, 0], pairs.row))
    s = pairs.take(order)
    change = np.ones(len(order), dtype=bool)
    change[1:] = (
        (s.row[1:] != s.row[:-1]) | (s.a[1:] != s.a[:-1]).any(1) | (s.b[1:] != s.b[:-1]).any(1)
    )
    starts = np.flatnonzero(change).astype(np.int64)
    return s, starts, np.diff(np.append(starts, len(order))).astype(np.int64)


def chunk_coverage(
    paths: list[MetricPath], pairs: list[Pairs], row_counts: np.ndarray, corridor_m: float
) -> ChunkCoverage:
    """Coverage of every candidate row of routes sharing one corridor width.

    `pairs[r]` are route r's pairs (rows numbered within the route), `row_counts[r]` its
    candidate rows.
    """
    row_offset = np.concatenate([[0], np.cumsum(row_counts)[:-1]]).astype(np.int64)
    rows = int(np.sum(row_counts))
    if not paths or not sum(len(p.row) for p in pairs):
        return _empty(rows)
    (p0, d, start_m, seg_m), joined = _joined(paths, pairs, row_offset)
    s, starts, sizes = _grouped(joined)
    proj = kernels_route.projection(
        s.segment, np.ascontiguousarray(s.a), np.ascontiguousarray(s.b),
        np.ascontiguousarray(p0), np.ascontiguousarray(d),
    )  # fmt: skip
    pieces, laterals = kernels_route.pieces(
        proj, s.row, s.segment, starts, sizes, start_m, seg_m,
        corridor_m**2, linref._TINY_T, EPS_M,
    )  # fmt: skip
    order = np.lexsort((pieces[:, 2], pieces[:, 1], pieces[:, 0]))
    merged_row, merged = kernels_route.merge_pieces(
        pieces[order, 0].astype(np.int64), pieces[order, 1], pieces[order, 2],
        laterals[order, 0], laterals[order, 1], EPS_M,
    )  # fmt: skip
    keep = merged[:, 1] - merged[:, 0] >= linref.MIN_COVER_M
    merged_row, merged = merged_row[keep], merged[keep]
    by_row = np.argsort(pieces[:, 0], kind="stable")
    ordered = pieces[by_row]
    return ChunkCoverage(
        rows=rows,
        interval_row=merged_row,
        interval=merged,
        interval_first=np.searchsorted(merged_row, np.arange(rows + 1)),
        pieces=ordered,
        first=np.searchsorted(ordered[:, 0], np.arange(rows + 1), side="left"),
        proj=proj,
    )


def _empty(rows: int) -> ChunkCoverage:
    none = np.zeros(rows + 1, dtype=np.int64)
    return ChunkCoverage(
        rows, np.zeros(0, dtype=np.int64), np.zeros((0, 4)), none, np.zeros((0, 8)), none,
        np.zeros((0, 8)),
    )  # fmt: skip
