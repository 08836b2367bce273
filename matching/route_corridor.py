"""A route's candidate lines within the corridor and what each covers, in few compiled calls.

`AssetIndex.within_corridor` (`refine.near_path` per table, `Found.join`), then
`linref.linear_coverage` and `route.candidates_from` give the same candidates and the same
`linref.Coverage`; this gathers the probed lines' vertices in one compiled call, projects
them in one PROJ call, hands them to `kernels_route_corridor.corridor_cover`, and copies out
only the columns a candidate shows (`kernels.site_columns`), so a route pays for three
kernel calls instead of five and a dozen numpy calls instead of ~80. The batch keeps the
other way (its chunks share the kernels' calls already).
"""

from __future__ import annotations

import itertools
from functools import lru_cache

import numpy as np

from matching import corridor, kernels, linref, rules
from matching.candidates import RESOURCE_CODE
from matching.kernels_route_corridor import corridor_cover, gather_vertices
from matching.path import MetricPath
from matching.ragged import RaggedView
from matching.requests import RouteRequest

_KINDS, _SENSITIVITIES, _SECTORS = rules.KINDS, rules.SENSITIVITIES, rules.SECTORS
_NO_ROWS = np.zeros(0, dtype=np.int32)


def near_route(hits: list, path: MetricPath, request: RouteRequest, owners: dict) -> tuple:
    """(`route.RouteCandidate` tuples of the lines within the corridor, in probe order; their
    `linref.Coverage`, rows numbered as the candidates) from the (table, slots) a line
    probe found. Runs under the index's read lock (`AssetIndex.read_generation`)."""
    corridor_m = request.corridor_m
    x, y, owner = _vertices(hits)
    if len(x):
        path.frame.project_in_place(x, y)
    p0, d = path.segments
    distance, n_pairs, proj, ordered, piece_first, merged, first = corridor_cover(
        x, y, owner, sum(len(slots) for _, slots in hits),
        np.ascontiguousarray(p0), np.ascontiguousarray(d), float(corridor_m),
        corridor_m + corridor._SLACK_M, path.start_m, path.seg_m, corridor_m**2,
        linref._TINY_T, corridor.EPS_M, linref.MIN_COVER_M,
    )  # fmt: skip
    keep = np.flatnonzero(distance <= corridor_m)
    cover = _coverage(n_pairs, proj, ordered, piece_first, merged, first)
    return _candidates(hits, keep, distance, cover, request, owners), cover


def _vertices(hits: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, row) of every vertex of the probed lines, rows numbered across tables."""
    parts, at = [], 0
    for table, slots in hits:
        coords = table.coords
        if coords.overrides and not coords.overrides.keys().isdisjoint(slots.tolist()):
            packed = RaggedView.of(coords, slots).packed()  # rewritten rows: read them there
            lon, lat = (np.ascontiguousarray(packed.values[:, c], dtype=np.float64) for c in (0, 1))
            owner = np.repeat(np.arange(len(slots)), np.diff(packed.offsets))
        else:
            lon, lat, owner = gather_vertices(coords.offsets, coords.values, slots)
        parts.append((lon, lat, owner + at if at else owner))
        at += len(slots)
    if len(parts) == 1:
        return parts[0]
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def _coverage(n_pairs: int, proj, ordered, piece_first, merged, first) -> linref.Coverage:
    """The `linref.Coverage` that `linear_coverage` makes of the same pairs (its intervals
    and laterals as tuples, the form the candidates keep)."""
    cover = linref.Coverage.__new__(linref.Coverage)
    cover.pieces = cover._sorted = ordered  # the kernel makes them in row order already
    cover._first = piece_first
    cover.geometry = linref._PairGeometry.of(proj) if n_pairs else None
    cover.flat = (first, np.ascontiguousarray(merged[:, :2]))
    lo, hi, at_lo, at_hi = merged.T.tolist()
    spans = list(zip(lo, hi, strict=True))
    joins = list(zip(at_lo, at_hi, strict=True))
    edges = list(itertools.pairwise(first.tolist()))
    cover.intervals = [tuple(spans[a:b]) for a, b in edges]
    cover.laterals = [tuple(joins[a:b]) for a, b in edges]
    return cover


@lru_cache(maxsize=64)
def _codes(needs: tuple[str, ...]) -> np.ndarray:
    codes = np.array([RESOURCE_CODE[r] for r in needs], dtype=np.int64)
    codes.setflags(write=False)  # read-only, as the site queries' codes: the same signature
    return codes


def _candidates(hits, keep, distance, cover, request, owners) -> list:
    """`route.candidates_from` of the kept rows, read straight from their tables: one
    compiled gather per table (the site report's, `kernels.site_columns`) and one tuple per
    candidate, where copying `Rows` out took ~17 gathers and the candidates ~20 more calls."""
    from matching.route import RouteCandidate  # route imports this module

    needs = tuple(request.needs)
    codes, out, at = _codes(needs), [], 0
    intervals, laterals = cover.intervals, cover.laterals
    for table, slots in hits:
        mine = keep if len(hits) == 1 else keep[(keep >= at) & (keep < at + len(slots))] - at
        near = distance[at : at + len(slots)]
        ragged_row = _NO_ROWS if table.ragged_row is None else table.ragged_row
        ints, reals = kernels.site_columns(
            slots, mine, near, near, table.height, table.ids, table.kind, table.sensitivity,
            table.owner, table.sector, table.free, codes, ragged_row, table.refs.offsets,
        )  # fmt: skip
        flat, overrides = memoryview(table.refs.values), table.refs.overrides
        for row, real in zip(ints.tolist(), reals.tolist(), strict=True):
            asset_id, kind, sensitivity, owner, sector, ref_row, start, end, *units = row
            found = overrides.get(ref_row) if overrides else None
            ref = str(flat[start:end], "utf-8") if found is None else found.tobytes().decode()
            k = len(out)
            values = (asset_id, _KINDS[kind], _SENSITIVITIES[sensitivity], owner,
                      owners.get(owner), _SECTORS[sector], ref, real[0], intervals[k],
                      dict(zip(needs, units, strict=True)), laterals[k])  # fmt: skip
            out.append(tuple.__new__(RouteCandidate, values))
        at += len(slots)
    return out
