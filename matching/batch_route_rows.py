"""One route of a batch as `match_route` sees it: its RouteCandidates and lateral look-up,
and the lean `Line`s its summary columns are computed from.

Built from the rows copied out of the index and the chunk's `ChunkCoverage`, in the order and
with the values `route.match_route` gives, so that `route.route_report` makes the same report.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from matching import coverage, rules
from matching.batch_route_cover import ChunkCoverage
from matching.reports import metres
from matching.route import RouteCandidate, candidates_from

_KIND_NAMES = np.array(rules.KINDS, dtype=object)
_SECTOR_NAMES = np.array(rules.SECTORS, dtype=object)


def lateral(cover: ChunkCoverage, base: int, rows):
    """`match_route`'s lateral look-up (asset id, measure) -> metres, with its batched form."""
    row_of = {asset_id: base + k for k, asset_id in enumerate(rows.asset_id.tolist())}

    def many(asset_ids: list[int], measures: list[float]) -> list[float]:
        return cover.laterals_at([row_of[a] for a in asset_ids], measures)

    def one(asset_id: int, measure: float) -> float:
        return many([asset_id], [measure])[0]

    one.many = many  # type: ignore[attr-defined]
    return one


def candidates(rows, distance, cover: ChunkCoverage, base: int, request) -> list:
    """RouteCandidates of one route's rows, as `match_route` makes them."""
    intervals, laterals = cover.stretches(base, len(rows))
    return candidates_from(rows, distance, intervals, laterals, request)


class Line(NamedTuple):
    """What a route's summary needs of a candidate: its cover option and its rank."""

    asset_id: int
    owner_id: int
    kind: str
    owner_sector: str
    distance_m: float
    intervals: tuple[tuple[float, float], ...]

    @property
    def covered_m(self) -> float:
        return coverage.total(self.intervals)


def lines(rows, distance, cover: ChunkCoverage, base: int) -> list[Line]:
    """The `Line`s of one route's rows: `candidates` without the strings and dicts that
    only its report shows."""
    intervals, _ = cover.stretches(base, len(rows), laterals=False)
    columns = zip(
        rows.asset_id.tolist(),
        rows.owner_id.tolist(),
        _KIND_NAMES[rows.kind].tolist(),
        _SECTOR_NAMES[rows.sector].tolist(),
        distance.tolist(),
        intervals,
        strict=True,
    )
    return [Line(*values) for values in columns]


def rank_key(c: RouteCandidate | Line) -> tuple:
    """`route_report`'s ranking: most covered metres, then nearest, then lowest id."""
    return (-metres(c.covered_m), metres(c.distance_m), c.asset_id)


def best(candidates: list, distance: np.ndarray) -> int:
    """The asset id `rank_key` puts first (-1 for none), rounding only the contenders:
    rounding is monotone, so the winner is within a rounding step (2 cm spans it) of the
    most covered metres, or, where nothing covers a centimetre, of the nearest."""
    if not candidates:
        return -1
    covered = [(k, c.covered_m) for k, c in enumerate(candidates) if c.intervals]
    most = max((m for _, m in covered), default=0.0)
    if metres(most) > 0.0:
        pool = [k for k, m in covered if m >= most - 0.02]
    else:
        pool = np.flatnonzero(distance <= distance.min() + 0.02).tolist()
    return min((candidates[k] for k in pool), key=rank_key).asset_id
