"""Batch site matching: one request template at many planned sites, answered in columns.

`match_sites(index, points, request)` gives, for every point, what `match_site` gives for
the request moved to that point: the number of eligible structures and the ranked best
`limit`, with the same floats; `SiteBatch.report(i)` builds the full `SiteReport` (equal to
the one-by-one answer, which tests/unit/matching/test_batch_sites.py checks). The work runs
in compiled loops over all queries (`kernels_batch`) and one vectorised geodesic call per
chunk; nothing in it is per query in Python, so a million sites take seconds, not minutes.

Route batches: `batch_route.match_routes`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from shapely.geometry import Point

from matching import geo, kernels_batch, layout, rules, site, site_rows
from matching.candidates import RESOURCE_CODE, RowFilter
from matching.columns import SlotRows
from matching.ragged import Ragged
from matching.reports import SiteReport
from matching.requests import InvalidRequest, SiteRequest

CHUNK = 100_000  # queries per pass: bounds the memory of the hit arrays (~30 hits per query)
_KIND_NAMES = np.array(rules.KINDS, dtype=object)
_SENSITIVITY_NAMES = np.array(rules.SENSITIVITIES, dtype=object)
_SECTOR_NAMES = np.array(rules.SECTORS, dtype=object)


@dataclass(frozen=True)
class SiteBatch:
    """Answers for `points` (n, 2 lon/lat): per query `eligible` and the ranked candidates
    in rows offsets[q]:offsets[q + 1] of the candidate columns."""

    seq: int
    request: SiteRequest
    points: np.ndarray
    eligible: np.ndarray
    offsets: np.ndarray
    asset_id: np.ndarray
    distance: np.ndarray  # metres, exact (reports round to 0.01)
    score: np.ndarray  # exact (reports round to 4 decimals)
    kind: np.ndarray
    sensitivity: np.ndarray
    sector: np.ndarray
    owner_id: np.ndarray
    best: np.ndarray  # best usable height, nan if unknown
    free: np.ndarray  # (rows, len(request.needs)) free units of each need
    refs: Ragged
    owners: dict[int, str]
    costs: rules.Costs

    def __len__(self) -> int:
        return len(self.points)

    @property
    def share(self) -> np.ndarray:
        """True where some existing structure can take the equipment (verdict "share")."""
        return self.eligible > 0

    def request_at(self, q: int) -> SiteRequest:
        lon, lat = self.points[q].tolist()
        return dataclasses.replace(self.request, location=Point(lon, lat))

    def candidates(self, q: int) -> list[site_rows.SiteCandidate]:
        """The ranked SiteCandidates of query q (as `match_site` would pass them on)."""
        lo, hi = int(self.offsets[q]), int(self.offsets[q + 1])
        rows = slice(lo, hi)
        owner = self.owner_id[rows].tolist()
        needs = list(self.request.needs)
        free = self.free[rows].tolist()
        return [
            site_rows.SiteCandidate(*values)
            for values in zip(
                self.asset_id[rows].tolist(),
                _KIND_NAMES[self.kind[rows]].tolist(),
                _SENSITIVITY_NAMES[self.sensitivity[rows]].tolist(),
                owner,
                [self.owners.get(o) for o in owner],
                _SECTOR_NAMES[self.sector[rows]].tolist(),
                self.refs.strings(np.arange(lo, hi)),
                self.distance[rows].tolist(),
                [dict(zip(needs, units, strict=True)) for units in free],
                [None if h != h else h for h in self.best[rows].tolist()],  # h != h: nan
                self.score[rows].tolist(),
                strict=True,
            )
        ]

    def report(self, q: int) -> SiteReport:
        """The full report of query q, equal to `match_site` at the batch's seq."""
        return site.site_report(
            self.request_at(q),
            self.seq,
            self.candidates(q),
            self.costs,
            eligible=int(self.eligible[q]),
        )


def _check_points(points) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise InvalidRequest("points", "must be an (n, 2) array of lon/lat")
    lon, lat = points[:, 0], points[:, 1]
    if not (np.isfinite(points).all() and (np.abs(lon) <= 180).all() and (np.abs(lat) <= 90).all()):
        raise InvalidRequest("points", "coordinates must be finite, lon within ±180, lat ±90")
    return points


def match_sites(
    index, points, request: SiteRequest, costs: rules.Costs = rules.DEFAULT_COSTS
) -> SiteBatch:
    """Answer `request` (its location ignored) at every point of `points` (n, 2 lon/lat).

    Takes an `AssetIndex`; returns a `SiteBatch` stamped with the seq the index was at.
    Queries run in Sort-Tile-Recursive order, so that consecutive ones read the same
    stretches of the index from cache, in chunks of CHUNK.
    """
    points = _check_points(points)
    order = layout.str_order(points[:, 0], points[:, 1]) if len(points) else np.empty(0, int)
    row_filter = RowFilter.for_needs(request.needs, request.kinds, request.sectors)

    def read(gen):
        eligible = np.zeros(len(points), dtype=np.int64)
        chunks = [
            _chunk(gen, points, order[start : start + CHUNK], request, row_filter, eligible)
            for start in range(0, len(points), CHUNK)
        ]
        return chunks, eligible, dict(gen.owners)

    seq, (chunks, eligible, owners) = index.read_generation(read)
    return _assemble(seq, points, request, costs, chunks, eligible, owners)


def _chunk(gen, points, queries, request, row_filter, eligible) -> dict:
    """The ranked best `limit` of each query of `queries` (ids into `points`), all tables
    together; adds each query's eligible count to `eligible`."""
    lon, lat = points[queries, 0], points[queries, 1]
    boxes, src = geo.expand_boxes(lon, lon, lat, lat, float(request.radius_m))
    by_query = np.argsort(src, kind="stable")  # a query's boxes one after the other
    boxes, src = np.ascontiguousarray(boxes[by_query]), src[by_query].astype(np.int64)
    parts = []
    for table, local, slots in _hits(gen, boxes, src, row_filter):
        part = _finalists(table, local, slots, lon, lat, request, gen.owners)
        eligible[queries] += part.pop("eligible")
        part["query"] = queries[part["query"]]
        parts.append(part)
    return _ranked(parts, request)


def _hits(gen, boxes, src, row_filter):
    """(table, query, slot) of every filtered hit, per point table; a query's hits are
    consecutive (its boxes are, and split boxes never overlap)."""
    out = []
    tree, base = gen.point_tree, gen.points
    if tree is not None:
        q, s = kernels_batch.batch_scan_points(
            tree.boxes, tree.starts, tree.counts, gen.bucket, base.lon, base.lat,
            base.profile, base.free, row_filter.by_profile, row_filter.code_array,
            row_filter.unit_array, boxes, src,
        )  # fmt: skip
        out.append((base, q, s))
    delta = gen.delta_points
    if len(delta):
        order, lons = delta.by_lon()
        q, s = kernels_batch.batch_scan_sorted(
            order, lons, delta.lat, delta.profile, delta.free, row_filter.by_profile,
            row_filter.code_array, row_filter.unit_array, boxes, src,
        )  # fmt: skip
        out.append((delta, q, s))
    return [(table, q, s) for table, q, s in out if len(q)]


def _finalists(table, q, s, lon, lat, request, owners) -> dict:
    """Columns of the hits of one table that can make their query's top `limit`."""
    lon2, lat2 = table.lon[s], table.lat[s]
    lon1, lat1 = lon[q], lat[q]
    geo._GEOD_INV(lon1, lat1, lon2, lat2, radians=False, return_back_azimuth=True)
    distance = lon2  # pyproj writes the distances over its third input (see geo)
    wanted = request.min_height_m
    antenna = rules.Resource.ANTENNA_MOUNT in request.needs
    best_col = table.top if antenna else table.height
    mode, ok_given = (0 if wanted is None else 1), np.zeros(0, dtype=bool)
    if antenna and wanted is not None:
        unique, inverse = np.unique(s, return_inverse=True)
        ok = site_rows.height_columns(SlotRows(table, unique, owners), request)[0]
        mode, ok_given = 2, ok[inverse]
    first = np.searchsorted(q, np.arange(len(lon) + 1)).astype(np.int64)
    row_filter = RowFilter.for_needs(request.needs)
    keep, scores, eligible = kernels_batch.batch_pick(
        first, s, distance, float(request.radius_m), table.free, row_filter.code_array,
        row_filter.unit_array, best_col, table.sector, site_rows._SECTOR_PREFERENCE, mode,
        np.nan if wanted is None else float(wanted), ok_given, request.limit,
        site_rows._MARGIN, site_rows._WEIGHTS, site_rows.HEIGHT_REFERENCE_M,
    )  # fmt: skip
    slots = s[keep]
    codes = [RESOURCE_CODE[r] for r in request.needs]
    return {
        "query": q[keep],
        "asset_id": table.ids[slots],
        "distance": distance[keep],
        "score": scores[keep],
        "kind": table.kind[slots],
        "sensitivity": table.sensitivity[slots],
        "sector": table.sector[slots],
        "owner_id": table.owner[slots].astype(np.int64),
        "best": best_col[slots],
        "free": table.free[slots][:, codes],
        "refs": table.refs.take(table._ragged(slots)),
        "eligible": eligible,
    }


def _ranked(parts: list[dict], request) -> dict:
    """Rank the finalists of all tables together as `site.site_report` does: by score
    rounded to 4 decimals (Python's `round`, as the report), then asset id; keep `limit`."""
    if not parts:
        return _empty_columns(len(request.needs))
    cols = {k: np.concatenate([p[k] for p in parts]) for k in _NAMES}
    refs = Ragged.concat([p["refs"] for p in parts])
    rounded = np.array([round(x, 4) + 0.0 for x in cols["score"].tolist()], dtype=np.float64)
    order = np.lexsort((cols["asset_id"], -rounded, cols["query"]))
    query = cols["query"][order]
    starts = np.flatnonzero(np.r_[True, query[1:] != query[:-1]])
    rank = np.arange(len(query)) - np.repeat(starts, np.diff(np.r_[starts, len(query)]))
    order = order[rank < request.limit]
    ranked = {k: cols[k][order] for k in _NAMES}
    ranked["refs"] = refs.take(order)
    return ranked


def _assemble(seq, points, request, costs, chunks, eligible, owners) -> SiteBatch:
    """One SiteBatch from the chunks' ranked rows, ordered by query (stable: ranks kept)."""
    cols = {k: np.concatenate([c[k] for c in chunks]) for k in _NAMES} if chunks else None
    cols = cols or _empty_columns(len(request.needs))
    order = np.argsort(cols["query"], kind="stable")
    picked = {k: cols[k][order] for k in _NAMES}
    refs = Ragged.concat([c["refs"] for c in chunks]) if chunks else _empty_columns(0)["refs"]
    offsets = np.searchsorted(picked.pop("query"), np.arange(len(points) + 1)).astype(np.int64)
    return SiteBatch(
        seq=seq,
        request=request,
        points=points,
        eligible=eligible,
        offsets=offsets,
        refs=refs.take(order),
        owners=owners,
        costs=costs,
        **picked,
    )


def _empty_columns(needs: int) -> dict:
    i64, f64 = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    i8 = np.zeros(0, dtype=np.int8)
    return {
        "query": i64, "asset_id": i64, "distance": f64, "score": f64, "kind": i8,
        "sensitivity": i8, "sector": i8, "owner_id": i64, "best": f64,
        "free": np.zeros((0, needs), dtype=np.int32),
        "refs": Ragged.from_lengths(np.zeros(0, dtype=np.int64), np.empty(0, dtype=np.uint8)),
    }  # fmt: skip


_NAMES = [name for name in _empty_columns(0) if name != "refs"]
