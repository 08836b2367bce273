"""Site eligibility by mount height, and a vectorised pre-ranking of candidate rows.

The engine scores every row with numpy and builds Python objects only for the few that can
reach the top `limit`; `site.site_report` then ranks those exactly, as the oracle does.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from matching import rules
from matching.candidates import RESOURCE_CODE, Rows
from matching.requests import SiteRequest


class SiteCandidate(NamedTuple):
    """An eligible asset, as both the engine and the oracle describe it before ranking."""

    asset_id: int
    kind: str
    sensitivity: str
    owner_id: int
    owner_name: str
    owner_sector: str
    owner_ref: str
    distance_m: float
    free: dict[str, int]
    best_height_m: float | None


WEIGHTS = {"proximity": 0.60, "height": 0.15, "headroom": 0.10, "sector": 0.15}
HEIGHT_REFERENCE_M = 40.0
_ANTENNA = rules.Resource.ANTENNA_MOUNT
_SECTOR_PREFERENCE = np.array([rules.SECTOR_PREFERENCE.get(s, 0.0) for s in rules.SECTORS])
# Pre-ranking keeps everything within this much of the limit-th score, so that float noise
# between this vectorised score and the exact one can never change which rows make the cut.
_MARGIN = 1e-3


def _mount_heights(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """Usable heights of all free mounts (flat) and the row of each.

    A position of unknown height counts at the asset's height; a row that lists no heights
    has all its free mounts there; heights that stay unknown are dropped.
    """
    listed = rows.free_heights.packed()
    lengths = np.diff(listed.offsets)
    owner = np.repeat(np.arange(len(rows)), lengths)
    unlisted = np.flatnonzero(lengths == 0)
    extra = np.repeat(unlisted, rows.free[unlisted, RESOURCE_CODE[_ANTENNA]])
    owner = np.concatenate([owner, extra])
    heights = np.concatenate([listed.values, np.full(len(extra), np.nan)])
    heights = np.where(np.isnan(heights), rows.height[owner], heights)
    known = ~np.isnan(heights)
    return heights[known], owner[known]


def height_columns(rows: Rows, request: SiteRequest) -> tuple[np.ndarray, np.ndarray]:
    """(meets min_height_m, best usable height or nan) for every row."""
    wanted = request.min_height_m
    if _ANTENNA not in request.needs:
        best = rows.height
        ok = np.ones(len(rows), bool) if wanted is None else ~np.isnan(best) & (best >= wanted)
        return ok, best
    best = rows.top  # precomputed by ingest.top_mounts with the same rules
    if wanted is None:
        return np.ones(len(rows), dtype=bool), best
    heights, owner = _mount_heights(rows)
    high = np.bincount(owner[heights >= wanted], minlength=len(rows))
    return high >= request.needs[_ANTENNA], best


def approximate_scores(rows: Rows, distance: np.ndarray, best: np.ndarray, request) -> np.ndarray:
    """`site.site_score` for all rows at once (equal up to float rounding)."""
    proximity = np.maximum(0.0, 1.0 - distance / request.radius_m)
    height = np.where(np.isnan(best), 0.0, np.minimum(1.0, best / HEIGHT_REFERENCE_M))
    headroom = np.zeros(len(rows))
    for resource, units in request.needs.items():
        free = rows.free[:, RESOURCE_CODE[resource]]
        headroom += (free - units) / np.maximum(free, 1)
    headroom /= len(request.needs)
    return 100 * (
        WEIGHTS["proximity"] * proximity
        + WEIGHTS["height"] * height
        + WEIGHTS["headroom"] * headroom
        + WEIGHTS["sector"] * _SECTOR_PREFERENCE[rows.sector]
    )


def preselect(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the rows that can make the top `limit`, best first."""
    if len(scores) <= limit:
        return np.argsort(-scores, kind="stable")
    cut = -np.partition(-scores, limit - 1)[limit - 1] - _MARGIN
    keep = np.flatnonzero(scores >= cut)
    return keep[np.argsort(-scores[keep], kind="stable")]


def site_candidates(rows: Rows, distance, best, top: np.ndarray, request) -> list[SiteCandidate]:
    """SiteCandidates for the rows `top`, reading each column once rather than per cell."""
    free = {r: rows.free[top, RESOURCE_CODE[r]].tolist() for r in request.needs}
    heights = best[top]
    columns = zip(
        rows.asset_id[top].tolist(),
        [rules.KINDS[k] for k in rows.kind[top].tolist()],
        [rules.SENSITIVITIES[k] for k in rows.sensitivity[top].tolist()],
        rows.owner_id[top].tolist(),
        [rows.owner_name[i] for i in top.tolist()],
        [rules.SECTORS[k] for k in rows.sector[top].tolist()],
        [rows.owner_ref(i) for i in top.tolist()],
        distance[top].tolist(),
        [{r: units[k] for r, units in free.items()} for k in range(len(top))],
        [None if h != h else h for h in heights.tolist()],  # h != h: nan
        strict=True,
    )
    return [SiteCandidate(*values) for values in columns]
