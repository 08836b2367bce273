"""Site eligibility by mount height, and the vectorised ranking of candidate rows.

The engine measures, checks and scores every candidate with numpy on the index's own columns
and builds Python objects only for the few that can reach the top `limit`, carrying their
scores (the same floats `site.site_score` computes); `site.site_report` then ranks them as it
ranks the oracle's.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from matching import geo, kernels, rules
from matching.candidates import RESOURCE_CODE, RowFilter, Rows
from matching.columns import SlotRows
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
    # The engine's `exact_scores` value (100 × the weighted sum, before rounding); None: the
    # report computes `site.site_score`. Both are the same float, operation for operation.
    score: float | None = None


WEIGHTS = {"proximity": 0.60, "height": 0.15, "headroom": 0.10, "sector": 0.15}
HEIGHT_REFERENCE_M = 40.0
_ANTENNA = rules.Resource.ANTENNA_MOUNT
_SECTOR_PREFERENCE = np.array([rules.SECTOR_PREFERENCE.get(s, 0.0) for s in rules.SECTORS])
_W_PROXIMITY, _W_HEIGHT, _W_HEADROOM, _W_SECTOR = (
    WEIGHTS[k] for k in ("proximity", "height", "headroom", "sector")
)
_WEIGHTS = np.array([_W_PROXIMITY, _W_HEIGHT, _W_HEADROOM, _W_SECTOR])
_NO_FLAGS = np.zeros(0, dtype=bool)
# Pre-ranking keeps everything within this much of the limit-th score: the report ranks
# scores rounded to 4 decimals (then by id), so rows that tie after rounding must all reach it.
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


def exact_scores(rows: Rows, distance: np.ndarray, best: np.ndarray, request) -> np.ndarray:
    """`site.site_score` for all rows at once, before its rounding to 4 decimals.

    The same IEEE operations in the same order as `site_score` (numpy does not fuse them),
    so the floats are identical; test_site_scores_equal_the_scalar_score checks it.
    """
    proximity = np.maximum(1.0 - distance / request.radius_m, 0.0)
    height = np.where(np.isnan(best), 0.0, np.minimum(best / HEIGHT_REFERENCE_M, 1.0))
    headroom = None
    for resource, units in request.needs.items():
        free = rows.free[:, RESOURCE_CODE[resource]]
        part = (free - units) / np.maximum(free, 1)
        headroom = part if headroom is None else headroom + part
    if len(request.needs) > 1:
        headroom /= len(request.needs)
    return 100 * (
        _W_PROXIMITY * proximity
        + _W_HEIGHT * height
        + _W_HEADROOM * headroom
        + _W_SECTOR * _SECTOR_PREFERENCE[rows.sector]
    )


def preselect(scores: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the rows that can make the top `limit` (unordered: the report sorts)."""
    if len(scores) <= limit:
        return np.arange(len(scores))
    cut = np.partition(scores, len(scores) - limit)[len(scores) - limit] - _MARGIN
    return np.flatnonzero(scores >= cut)


def finalists(rows: Rows, distance: np.ndarray, request):
    """(rows that can make the top `limit`, best usable height per row, number eligible,
    their exact scores or None when there were too few rows to be worth scoring at once)."""
    ok, best = height_columns(rows, request)
    eligible = np.flatnonzero(ok) if request.min_height_m is not None else None
    count = len(rows) if eligible is None else len(eligible)
    if count <= request.limit:
        return (np.arange(count) if eligible is None else eligible), best, count, None
    scores = exact_scores(rows, distance, best, request)
    if eligible is None:
        top = preselect(scores, request.limit)
    else:
        top = eligible[preselect(scores[eligible], request.limit)]
    return top, best, count, scores[top]


_KIND_NAMES = np.array(rules.KINDS, dtype=object)
_SENSITIVITY_NAMES = np.array(rules.SENSITIVITIES, dtype=object)
_SECTOR_NAMES = np.array(rules.SECTORS, dtype=object)
# The same objects as tuples, for the few rows a report shows.
_KINDS, _SENSITIVITIES, _SECTORS = (
    tuple(names.tolist()) for names in (_KIND_NAMES, _SENSITIVITY_NAMES, _SECTOR_NAMES)
)
_NO_ROWS = np.zeros(0, dtype=np.int32)


def site_candidates(
    rows: Rows, distance, best, top: np.ndarray, request, scores: np.ndarray | None = None
) -> list[SiteCandidate]:
    """SiteCandidates for the rows `top`, reading each column once rather than per cell."""
    picked = rows.take(top)
    free = [(r, picked.free[:, RESOURCE_CODE[r]].tolist()) for r in request.needs]
    columns = zip(
        picked.asset_id.tolist(),
        _KIND_NAMES[picked.kind].tolist(),
        _SENSITIVITY_NAMES[picked.sensitivity].tolist(),
        picked.owner_id.tolist(),
        picked.owner_name,
        _SECTOR_NAMES[picked.sector].tolist(),
        picked.refs.strings(np.arange(len(top))),
        distance[top].tolist(),
        [{r: units[k] for r, units in free} for k in range(len(top))],
        [None if h != h else h for h in best[top].tolist()],  # h != h: nan
        [None] * len(top) if scores is None else scores.tolist(),
        strict=True,
    )
    return list(map(_new_candidate, columns))


def shortlist(table, slots: np.ndarray, owners: dict[int, str], request) -> tuple[list, int]:
    """(the table's best `request.limit` candidates among its filtered point slots, ranked,
    as `Finalist` rows; how many are eligible): measured with pyproj, checked and scored by
    `kernels.site_pick` on the table itself (the compiled twin of `finalists`).

    Runs under the index's read lock (`AssetIndex.scan_radius`) and copies out only what
    the report shows. Each table keeps its own top `limit` by the report's key (score
    rounded to 4 decimals, then asset id): a total order on candidates, so the best `limit`
    of several tables are among the union of each one's best `limit`.
    """
    if table.line or not len(slots):
        return [], 0
    wanted = request.min_height_m
    antenna = _ANTENNA in request.needs
    best_col = table.top if antenna else table.height
    mode, ok_given = (0 if wanted is None else 1), _NO_FLAGS
    if antenna and wanted is not None:
        ok = height_columns(SlotRows(table, slots, owners), request)[0]
        mode, ok_given = 2, ok
    row_filter = RowFilter.for_needs(request.needs)
    codes, units = row_filter.code_array, row_filter.unit_array
    wanted = np.nan if wanted is None else float(wanted)
    pick = (best_col, table.sector, _SECTOR_PREFERENCE, mode, wanted, ok_given, request.limit,
            _MARGIN, _WEIGHTS, HEIGHT_REFERENCE_M)  # fmt: skip
    slots, distance, sure, pick = _measured(table, slots, codes, units, pick, request)
    top, scores, eligible = kernels.site_pick(
        slots, distance, float(request.radius_m), table.free, codes, units, *pick
    )
    if not len(top):
        return [], eligible + sure
    ragged_row = _NO_ROWS if table.ragged_row is None else table.ragged_row
    ints, reals = kernels.site_columns(
        slots, top, distance, scores, best_col, table.ids, table.kind, table.sensitivity,
        table.owner, table.sector, table.free, codes, ragged_row, table.refs.offsets,
    )  # fmt: skip
    finalists = _finalists(ints.tolist(), reals.tolist(), table.refs, owners, request.limit)
    return finalists, eligible + sure


def _measured(table, slots, codes, units, pick: tuple, request) -> tuple:
    """(the slots whose exact distance can change the report, their geodesic distances, how
    many other slots are surely eligible, `pick` for them): `kernels.site_bounds` picks
    them, pyproj measures. Near the poles, where the bounds are unchecked, all are measured."""
    lon, lat, radius = request.location.x, request.location.y, float(request.radius_m)
    sure = 0
    if abs(lat) <= kernels.APPROX_MAX_LAT:
        need, sure = kernels.site_bounds(
            slots, table.lon, table.lat, lon, lat, radius, table.free, codes, units, *pick
        )
        slots = slots[need]
        if pick[3] == 2:  # ok_given is per slot
            pick = (*pick[:5], pick[5][need], *pick[6:])
    n = len(slots)
    # geo.geodesic_distances without its copies (these gathers are fresh arrays); pyproj
    # writes the distances over its third argument.
    distance, lat2 = table.lon[slots], table.lat[slots]
    geo._GEOD_INV(np.full(n, lon), np.full(n, lat), distance, lat2, radians=False,
                  return_back_azimuth=True)  # fmt: skip
    return slots, distance, sure, pick


class Finalist(NamedTuple):
    """A ranked candidate as the engine's report reads it: the first two fields are the
    report's sort key (minus the rounded score, asset id), which no two rows share."""

    neg_score: float
    asset_id: int
    kind: str
    sensitivity: str
    owner_id: int
    owner_name: str | None
    owner_sector: str
    owner_ref: str
    distance_m: float
    units: list[int]  # free units of each need, in the request's order
    best_height_m: float | None


def _finalists(ints: list, reals: list, refs, owners: dict, limit: int) -> list[Finalist]:
    """The best `limit` rows of `kernels.site_columns` by the report's key (`site_report`'s:
    the score rounded as it shows, then the id), as `Finalist` rows."""
    keys = sorted(
        [
            (-(round(real[2], 4) + 0.0), row[0], k)
            for k, (row, real) in enumerate(zip(ints, reals, strict=True))
        ]
    )[:limit]
    flat, overrides = memoryview(refs.values), refs.overrides
    out = []
    for neg, asset_id, k in keys:
        _, kind, sensitivity, owner, sector, ref_row, start, end, *units = ints[k]
        distance, best, _ = reals[k]
        found = overrides.get(ref_row) if overrides else None
        ref = str(flat[start:end], "utf-8") if found is None else found.tobytes().decode("utf-8")
        out.append(
            _new_finalist(
                (neg, asset_id, _KINDS[kind], _SENSITIVITIES[sensitivity], owner,
                 owners.get(owner), _SECTORS[sector], ref, distance, units,
                 None if best != best else best)  # best != best: nan
            )
        )  # fmt: skip
    return out


def _new_finalist(values: tuple) -> Finalist:
    return tuple.__new__(Finalist, values)  # all fields given: skip NamedTuple.__new__


def _new_candidate(values: tuple) -> SiteCandidate:
    return tuple.__new__(SiteCandidate, values)  # all fields given: skip NamedTuple.__new__
