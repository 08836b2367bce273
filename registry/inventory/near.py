"""`near` lists: candidates from the in-process index (or the database's spatial index), read
from the database and measured in Python (the same numbers on both backends), nearest first;
masked assets on their masked geometry."""

from __future__ import annotations

from operator import itemgetter

import numpy as np
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from matching import geo, refine
from matching.candidates import SENSITIVITY_CODE, RowFilter
from matching.geo import geodesic_distances
from registry.access.masking import distance_to, masked_condition, masked_near
from registry.access.visibility import condition_key, snap_many, visible_condition
from registry.db.spatial_sql import lines_distance_m, near_candidates, wkb_of
from registry.inventory.models import Asset
from registry.inventory.page_rows import (
    EXTRA,
    AssetRow,
    asset_rows,
    cached_statement,
    grouped_kept,
    ids_condition,
    page_rows,
    params,
    rows_statement,
    run,
)
from registry.inventory.vocabulary import Sensitivity

MAX_INDEX_CANDIDATES = 2000
# Up to this many candidates, their full rows come with the measure in one query; beyond,
# measuring first and reading only the page's rows reads less.
ONE_TRIP_CANDIDATES = 300
PUBLIC = SENSITIVITY_CODE[Sensitivity.PUBLIC.value]
# (id, metres) pairs: nearest first, ties by id (a C key: a lambda cost ~0.3 us a pair).
NEAREST_FIRST = itemgetter(1, 0)


def index_candidates(index, f) -> list[int] | None:
    """Ids of the assets to read and measure for `near`, from the in-process index (caught up
    from the change feed first); None when there is no index ready.

    A superset: public assets the index puts within radius_m (plus 0.5% and 1 m, for the
    difference between its metric and the list's), others within radius_m + the mask grid
    (a masked asset is judged on its snapped geometry); points by geo.local_distances,
    the reaches widened by its stated error. Each one is read from the database (who may
    see it, and how) and measured as the SQL path measures it, so the answer is the SQL
    path's.
    """
    if index is None or index.seq < 0:
        return None
    lon, lat = f.near
    reach, public_reach = f.radius_m + f.mask_grid_m, f.radius_m * 1.005 + 1.0
    # Points by the flat distance where it holds (geo.LOCAL_DISTANCE_ERROR), the reaches
    # widened by its error: the superset stays one, at a third of the geodesic's cost.
    flat = reach <= geo.LOCAL_DISTANCE_MAX_M and abs(lat) <= geo.LOCAL_DISTANCE_MAX_LAT
    widen = 1.0 + geo.LOCAL_DISTANCE_ERROR
    flat_reaches = (reach * widen + 1e-6, public_reach * widen + 1e-6)

    def read(table, slots, owners):
        # Under the index's read lock; only the two columns used are read (near_point would
        # copy every column of the rows within reach, ~50 us of a near list).
        if flat and not table.line:
            metres = geo.local_distances(lon, lat, table.lon[slots], table.lat[slots])
            within, public_within = flat_reaches
        else:
            metres = refine.point_metres(table, slots, lon, lat)
            within, public_within = reach, public_reach
        public = table.sensitivity[slots] == PUBLIC
        keep = (metres <= within) & (~public | (metres <= public_within))
        return table.ids[slots[keep]].tolist()

    _, parts = index.scan_radius(lon, lat, reach, RowFilter.live(), read)
    ids = sorted({i for part in parts for i in part})
    # A wide search is one the database's own spatial index does as well, without a huge IN.
    return ids if len(ids) <= MAX_INDEX_CANDIDATES else None


def ranked_near(session, f, actor, conds: list, index=None) -> tuple[list, list[int]]:
    """([(asset id, metres)] within radius_m of `near`, nearest first, ties by id; the ids of
    the assets shown masked among them). Masked assets are measured to their masked form.

    With an in-process `index` (registry.engine's AssetIndex), candidates come from it and
    rows are fetched by id; without, the database's spatial index finds them.
    """
    return _ranked_among(session, f, actor, conds, index_candidates(index, f))


def _ranked_among(session, f, actor, conds: list, ids: list[int] | None):
    """ranked_near's answer among candidate `ids` (None: those the database's index finds)."""
    if ids is not None:
        stmt = _measure_statement(session, f, actor, conds)
        return _ranked(f, run(session, stmt, _near_params(session, f, ids)))
    lon, lat = f.near
    conds = [visible_condition(actor)] if conds is None else conds
    in_reach = [*conds, sa.not_(masked_condition(actor))]
    reach = near_candidates(session, in_reach, lon, lat, f.radius_m)
    shown = shapely.from_wkb([bytes(wkb) for _, wkb in reach])
    metres = _metres([(g, False) for g in shown], f)
    in_full = [(i, d) for (i, _), d in zip(reach, metres, strict=True) if d <= f.radius_m]
    masked = masked_near(session, actor, conds, lon, lat, f.radius_m, f.mask_grid_m, ids)
    ranked = sorted(in_full + masked, key=NEAREST_FIRST)
    return ranked, [i for i, _ in masked]


def _masked_column(actor):
    """Masked?, as a column: whether masked_near (the asset shown masked: measured to its
    snapped geometry) or near_candidates (shown in full) would have the row.

    Nothing is measured in SQL, on either backend: every distance is _metres', so both
    backends answer the same numbers. SpatiaLite's ellipsoidal ST_Distance of two points is
    GeographicLib's geodesic (the one pyproj's Geod runs: the same bits, tested), ~7 us a
    point there against well under one in one vectorised call; lines it measures to the
    vertex-space nearest point. PostGIS's geography distance agrees with _metres within
    1e-8 m for points; for lines within ~1 cm in the demo city and up to ~0.2 % elsewhere
    (PostGIS takes a segment as a great-circle arc, finds the nearest point on the sphere
    and measures to it on the spheroid; ours is straight in the centre's azimuthal
    equidistant frame, the nearest point measured exactly) (tested).
    Measured here, the database sends each candidate's WKB and no longer casts it to
    geography (~3 us a row of the server's time, on the one server every worker shares)."""
    return sa.type_coerce(masked_condition(actor), sa.Boolean)


def _statement(session, actor, conds, kind: str, build, bound=None) -> sa.Select:
    """The `kind` statement (measure or one_trip) for these conditions: built once per
    `visibility.condition_key` (and `bound` filters' shape) when `conds` is None (only the
    visibility rule, and the bound filters), else built for this query."""
    dialect = session.get_bind().dialect.name
    rule = condition_key(actor)
    if conds is None and rule is not None:
        shape, filters = (None, []) if bound is None else (bound.shape, bound.conds)
        key = (kind, dialect, rule, shape)
        return cached_statement(key, lambda: build(dialect, [visible_condition(actor), *filters]))
    return build(dialect, [visible_condition(actor)] if conds is None else conds)


def _measure_statement(session, f, actor, conds):
    def build(dialect, where):
        masked = _masked_column(actor)
        return sa.select(Asset.id, masked, wkb_of(dialect)).where(*where, ids_condition(dialect))

    return _statement(session, actor, conds, "measure", build)


def _one_trip_statement(session, f, actor, conds, bound=None):
    def build(dialect, where):
        masked = _masked_column(actor)
        return rows_statement(dialect, (masked,)).where(*where, ids_condition(dialect))

    return _statement(session, actor, conds, "one_trip", build, bound)


def _near_params(session, f, ids, bound=None) -> dict:
    more = {} if bound is None else bound.values
    return params(session.get_bind().dialect.name, ids, **more)


def _ranked(f, rows) -> tuple[list, list[int]]:
    """ranked_near's answer from (id, masked?, geometry) rows, the geometry as WKB, already
    parsed, or the AssetRow it was read as (page_rows: a masked one keeps the form it is
    measured on)."""
    # masked? None: neither NOT masked nor masked held, so in neither of the SQL path's reads
    rows = [(i, bool(is_masked), g) for i, is_masked, g in rows if is_masked is not None]
    shown = _shown([(g, m) for _, m, g in rows], f.mask_grid_m)
    found, in_masked = [], []
    for (asset_id, is_masked, _), d in zip(rows, _metres(shown, f), strict=True):
        if d <= f.radius_m:
            found.append((asset_id, d))
            if is_masked:
                in_masked.append(asset_id)
    return sorted(found, key=NEAREST_FIRST), in_masked


def _shown(values: list[tuple], grid_m: float) -> list[tuple]:
    """[(the geometry the caller is shown, masked?)] for (geometry, masked?) pairs, masked
    ones snapped (visibility.snap_many). A kept AssetRow keeps its snapped form: near lists
    show the same masked assets again and again, and snapping costs ~15 us a row; keyed
    by the row's content (page_rows), it can never be stale."""
    rows = [g if type(g) is AssetRow else None for g, _ in values]
    pairs = zip(values, rows, strict=True)
    geoms = _geometries([g if r is None else r.geom for (g, _), r in pairs])
    shown = [(g, False) for g in geoms]
    todo = []
    for n, ((_, masked), row) in enumerate(zip(values, rows, strict=True)):
        if not masked:
            continue
        form = None if row is None else row.snapped_to(grid_m)
        if form is not None:
            shown[n] = (form, True)
        else:
            todo.append(n)
    if todo:
        for n, g in zip(todo, snap_many([geoms[n] for n in todo], grid_m), strict=True):
            shown[n] = (g, True)
            if rows[n] is not None:
                rows[n].snapped = (grid_m, g)
    return shown


def _geometries(values: list) -> list:
    """The geometries, those given as WKB parsed in one call."""
    wkb = [n for n, v in enumerate(values) if not isinstance(v, BaseGeometry)]
    if not wkb:
        return values
    out = list(values)
    for n, g in zip(wkb, shapely.from_wkb([bytes(values[n]) for n in wkb]), strict=True):
        out[n] = g
    return out


def _metres(shown: list[tuple], f) -> list[float]:
    """Metres from `near` to each (geometry, masked?), on both paths and both backends: points
    shown in full geodesically (SpatiaLite's ST_Distance, see _masked_column), lines shown
    in full by lines_distance_m, masked (snapped) ones as masking.distance_to does (the SQL
    path's masked_near).
    Every line goes into ONE lines_distance_m call (it measures each line on its own, so
    the numbers are the same): the projection's set-up is paid once per query, not per line;
    every point shown in full into one geodesic call.
    """
    lon, lat = f.near
    geoms = np.empty(len(shown), dtype=object)
    geoms[:] = [g for g, _ in shown]
    full = np.array([not masked for _, masked in shown], dtype=bool)
    types = shapely.get_type_id(geoms)
    # Masked 2-D points too: distance_to's Geod.inv of one point is the same geodesic
    # kernel on the same numbers (bit for bit), ~6 us a point alone.
    points = (types == 0) & ~shapely.has_z(geoms)
    # Masked lines too: distance_to would call lines_distance_m on each alone.
    lines = (full & ~points) | (~full & (types == 1))
    out = np.full(len(shown), np.nan)
    xy = shapely.get_coordinates(geoms[points])
    out[points] = geodesic_distances(lon, lat, xy[:, 0], xy[:, 1])
    out[lines] = lines_distance_m(list(geoms[lines]), lon, lat)
    rest = ~(points | lines)
    if rest.any():  # masked odd shapes (3-D points): measured one by one, as masked_near does
        out[rest] = [distance_to(g, lon, lat) for g in geoms[rest].tolist()]
    return out.tolist()


def near_page(session, f, actor, conds, index=None, bound=None) -> tuple[list, int, list[int]]:
    """([(AssetRow, [CapacitySummary], metres)] of the page, how many matched, the sorted ids
    of those shown masked): ranked_near's order, the rows read by id. `conds`: where_clause's
    conditions, or None when the filter is `near` alone (the statement is then reused).
    `bound`: the attribute filters as queries.bound_filters writes them (`conds` None): the
    one-trip statement is then reused per filter shape; the other paths take the filters'
    literal conditions (`bound.literal()`).

    With few index candidates, one query reads their rows, capacity and measure together;
    with none, there is nothing to read.
    """
    ids = index_candidates(index, f)
    one_trip = ids is not None and len(ids) <= ONE_TRIP_CANDIDATES
    if bound is not None and not (one_trip and condition_key(actor) is not None):
        conds, bound = bound.literal(), None
    if ids is not None and not ids:  # the index's superset is empty: nothing is in reach
        return [], 0, []
    if not one_trip:
        ranked, masked_ids = _ranked_among(session, f, actor, conds, ids)
        window = ranked[f.offset : f.offset + f.limit]
        by_id = page_rows(session, [i for i, _ in window])
        return [(*by_id[i], d) for i, d in window], len(ranked), sorted(masked_ids)
    stmt = _one_trip_statement(session, f, actor, conds, bound)
    entries, kept = grouped_kept(run(session, stmt, _near_params(session, f, ids, bound)))
    values = list(entries.values())
    # Every candidate's AssetRow, those not kept made now (their WKB parsed in one call) and
    # kept for the next lists: the candidates just beyond the radius recur as often as those
    # within. Each is measured as it is, the masked ones on the snapped form kept with it
    # (_shown), so none is parsed or snapped again while its content stays the same.
    rows = asset_rows(values, kept)
    ranked, masked_ids = _ranked(
        f, ((i, row[EXTRA], a) for (i, (row, _)), a in zip(entries.items(), rows, strict=True))
    )
    window = ranked[f.offset : f.offset + f.limit]
    at = {i: n for n, i in enumerate(entries)}
    page = [(rows[at[i]], values[at[i]][1], d) for i, d in window]
    return page, len(ranked), sorted(masked_ids)
