"""A route's candidate lines within the corridor and what each covers, in one compiled call.

`AssetIndex.within_corridor` (`refine.near_path` per table, `Found.join`) and then
`linref.linear_coverage` give the same rows, distances and `linref.Coverage`; this reads the
probed tables' vertices once, projects them in one pyproj call and hands them to
`kernels_route_corridor.corridor_cover`, so a route pays for one kernel call instead of
four and a few numpy calls instead of ~60. The batch keeps the other way (its chunks share
the kernels' calls already).
"""

from __future__ import annotations

import itertools

import numpy as np

from matching import corridor, linref
from matching.candidates import Rows
from matching.kernels_route_corridor import corridor_cover
from matching.path import MetricPath
from matching.ragged import RaggedView


def near_route(
    hits: list, path: MetricPath, corridor_m: float, owners: dict
) -> tuple[Rows, np.ndarray, linref.Coverage]:
    """(rows within `corridor_m` of the route, their distances, what each covers) from the
    (table, slots) a line probe found; runs under the index's read lock (`read_generation`)."""
    packed = [RaggedView.of(table.coords, slots).packed() for table, slots in hits]
    if len(packed) == 1:
        lonlat, lengths = packed[0].values, np.diff(packed[0].offsets)
    else:
        lonlat = np.concatenate([p.values for p in packed])
        lengths = np.concatenate([np.diff(p.offsets) for p in packed])
    n_rows = len(lengths)
    owner = np.repeat(np.arange(n_rows), lengths)
    x, y = path.frame.to_metric(lonlat[:, 0], lonlat[:, 1]) if len(lonlat) else ((), ())
    p0, d = path.segments
    distance, n_pairs, proj, ordered, piece_first, merged, first = corridor_cover(
        np.column_stack([x, y]).astype(np.float64), owner, n_rows,
        np.ascontiguousarray(p0), np.ascontiguousarray(d), float(corridor_m),
        corridor_m + corridor._SLACK_M, path.start_m, path.seg_m, corridor_m**2,
        linref._TINY_T, corridor.EPS_M, linref.MIN_COVER_M,
    )  # fmt: skip
    keep = np.flatnonzero(distance <= corridor_m)
    rows = _rows(hits, keep, owners)
    return rows, distance[keep], _coverage(len(keep), n_pairs, proj, ordered, piece_first,
                                           merged, first)  # fmt: skip


def _rows(hits: list, keep: np.ndarray, owners: dict) -> Rows:
    """The kept rows copied out of their tables, in the order `Found.join` gives them."""
    if len(hits) == 1:
        table, slots = hits[0]
        return table.rows(slots[keep], owners)
    parts, at = [], 0
    for table, slots in hits:
        mine = keep[(keep >= at) & (keep < at + len(slots))] - at
        parts.append(table.rows(slots[mine], owners))
        at += len(slots)
    return Rows.concat(parts)


def _coverage(rows: int, n_pairs, proj, ordered, piece_first, merged, first) -> linref.Coverage:
    """The `linref.Coverage` that `linear_coverage` makes of the same pairs."""
    cover = linref.Coverage.__new__(linref.Coverage)
    cover.pieces = cover._sorted = ordered  # the kernel makes them in row order already
    cover._first = piece_first
    cover.geometry = linref._PairGeometry.of(proj) if n_pairs else None
    cover.flat = (first, np.ascontiguousarray(merged[:, :2]))
    spans = list(zip(merged[:, 0].tolist(), merged[:, 1].tolist(), strict=True))
    joins = list(zip(merged[:, 2].tolist(), merged[:, 3].tolist(), strict=True))
    edges = first.tolist()
    cover.intervals = [tuple(spans[a:b]) for a, b in itertools.pairwise(edges)]
    cover.laterals = [tuple(joins[a:b]) for a, b in itertools.pairwise(edges)]
    return cover
