"""Candidate lines of many routes at once: every route's search boxes in one compiled pass.

`AssetIndex.within_corridor` probes libspatialindex once per route, then numpy checks the
line boxes of the buckets it met (~150 µs a route). Here the search boxes of a whole chunk
are made in one vectorised pass and walked in one compiled call (`kernels_batch.
batch_scan_lines`) over a packed tree of the same line buckets, with the box test, the
tombstones and the row filter fused. The slots found are exactly those of
`Generation.line_slots` + `RowFilter.accepts` (every live line with an index box meeting a
search box), in the same slot order, so the refinement (`refine.near_path`, per route) sees
the same rows.
"""

from __future__ import annotations

import numpy as np

from matching import geo, kernels_batch, refine
from matching.candidates import Found, RowFilter
from matching.generation import LINE_BUCKET
from matching.kernels_tree import PackedTree
from matching.path import MetricPath, piece_boxes


def search_boxes(paths: list[MetricPath], margin_m: float) -> tuple[np.ndarray, np.ndarray]:
    """`MetricPath.search_boxes` of every path in one pass: (boxes, path of each box), the
    boxes of one path together."""
    sizes = np.array([len(p.lons) for p in paths], dtype=np.int64)
    vertex_path = np.repeat(np.arange(len(paths)), sizes)
    lons = np.concatenate([p.lons for p in paths])
    lats = np.concatenate([p.lats for p in paths])
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    lon = lons[first][vertex_path] + geo.wrap_lon_delta(lons - lons[first][vertex_path])
    seg_m = np.concatenate([p.seg_m for p in paths])
    start = np.flatnonzero(vertex_path[1:] == vertex_path[:-1])  # first vertex of each segment
    boxes, seg = piece_boxes(lon, lats, seg_m, start, margin_m)
    owner = vertex_path[start[seg]]
    order = np.argsort(owner, kind="stable")  # antimeridian splits come out of order
    return np.ascontiguousarray(boxes[order]), owner[order]


def _base_slots(gen, boxes, owner, row_filter: RowFilter, n: int) -> list[np.ndarray]:
    """Per path, the live base line slots meeting its boxes that pass the filter, sorted."""
    lines = gen.lines
    if gen.line_buckets is None or not len(boxes):
        return [np.empty(0, dtype=np.int64)] * n
    buckets = gen.line_buckets
    tree = PackedTree(buckets[:, :2], buckets[:, 2:])
    q, s = kernels_batch.batch_scan_lines(
        tree.boxes, tree.starts, tree.counts, LINE_BUCKET, lines.boxes,
        lines.box_row.astype(np.int64), lines.alive, lines.profile, lines.free,
        row_filter.by_profile, row_filter.code_array, row_filter.unit_array, boxes, owner,
    )  # fmt: skip
    order = np.lexsort((s, q))
    q, s = q[order], s[order]
    cuts = np.searchsorted(q, np.arange(n + 1))
    return [s[cuts[k] : cuts[k + 1]] for k in range(n)]


def _delta_slots(gen, boxes: np.ndarray, row_filter: RowFilter) -> np.ndarray:
    """`Generation._filtered` on the delta lines: brute force, they are few."""
    table = gen.delta_lines
    if not len(table):
        return np.empty(0, dtype=np.int64)
    slots = table.in_boxes(boxes)
    return table.select(slots, row_filter) if len(slots) else slots


def within_corridors(gen, paths: list[MetricPath], corridor_m: float, row_filter) -> list:
    """`AssetIndex.within_corridor` for every path, inside a read of `gen`: one `Found` each."""
    boxes, owner = search_boxes(paths, corridor_m) if paths else (np.zeros((0, 4)), [])
    base = _base_slots(gen, boxes, np.asarray(owner, dtype=np.int64), row_filter, len(paths))
    cuts = np.searchsorted(owner, np.arange(len(paths) + 1))
    out = []
    for k, path in enumerate(paths):
        delta = _delta_slots(gen, boxes[cuts[k] : cuts[k + 1]], row_filter)
        found = [(gen.lines, base[k]), (gen.delta_lines, delta)]
        hits = [(t, s) for t, s in found if len(s)] or found[:1]
        parts = [refine.near_path(t, s, path, corridor_m, gen.owners) for t, s in hits]
        out.append(Found.join(gen.seq, parts))
    return out
