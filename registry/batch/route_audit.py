"""The avoidable-build audit of planned routes: every route matched against the registry's
lines, on Dask or in this process, with the same rows either way.

Routes are tiled by their first vertex. A tile's task reads the lines of the line snapshot
whose index box meets the tile's halo: the boxes `match_route` itself would search for each
of the tile's routes (its corridor, plus the margin for how far a segment can bow), merged
into one box per side of the antimeridian. So every line the whole-registry index could find
for a route is in its tile's index, and `matching.batch_route.match_routes` on it gives the
single-process answer, even when the best candidate lies in a neighbouring tile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from shapely.geometry import LineString

from matching import rules
from matching.batch_route import RouteBatch, match_routes
from matching.index import AssetIndex
from matching.ingest import ingest
from matching.memory_source import FrozenSource
from matching.path import MetricPath
from matching.reports import metres
from matching.requests import RouteRequest
from registry.batch import audit
from registry.batch.partition import _concat
from registry.batch.snapshot_lines import read_lines
from registry.batch.tiles import Tile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoutePlans:
    """Planned routes: id, lon/lat vertices and the request template each is matched with."""

    ids: np.ndarray  # object (str)
    routes: list[np.ndarray]  # (k, 2) lon/lat of each route
    group: np.ndarray  # index into templates
    templates: list[RouteRequest]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def lon(self) -> np.ndarray:
        """Longitude of each route's first vertex (where it is tiled and drawn)."""
        return np.array([r[0, 0] for r in self.routes], dtype=np.float64)

    @property
    def lat(self) -> np.ndarray:
        return np.array([r[0, 1] for r in self.routes], dtype=np.float64)

    def task(self, snapshot, tile: Tile | None, costs: rules.Costs, top: int) -> tuple:
        """(function, arguments) auditing the routes of `tile` (None: all, on every line)."""
        rows = np.arange(len(self)) if tile is None else tile.plans
        boxes = None if tile is None else halo(self, rows)
        return audit_routes, (str(snapshot), boxes, *_plan_args(self, rows), costs, top)


# The runners are the site audit's: they ask the plans for their tasks.
run_single, run_dask, partition = audit.run_single, audit.run_dask, audit.partition


def halo(plans: RoutePlans, rows: np.ndarray) -> np.ndarray:
    """Boxes holding the search boxes of the routes `rows`: one around those with their
    centre east of the prime meridian, one around the others, so that a tile by the
    antimeridian reads two small boxes rather than every longitude."""
    boxes = np.concatenate(
        [
            MetricPath(LineString(plans.routes[k])).search_boxes(
                plans.templates[plans.group[k]].corridor_m
            )
            for k in rows.tolist()
        ]
    )
    east = boxes[:, 0] + boxes[:, 2] >= 0
    parts = [part for part in (boxes[east], boxes[~east]) if len(part)]
    return np.array([[*p[:, :2].min(axis=0), *p[:, 2:].max(axis=0)] for p in parts])


def _plan_args(plans: RoutePlans, rows: np.ndarray) -> tuple:
    return rows, [plans.routes[k] for k in rows.tolist()], plans.group[rows], plans.templates


def audit_routes(snapshot, boxes, rows, routes, group, templates, costs, top: int) -> dict:
    """Verdicts and best candidates of the routes `rows` (their vertices `routes`, template
    number `group`) against the snapshot's lines meeting `boxes` (None: all of them).

    Returns {"plans": columns, "candidates": columns, "seq"} keyed by the plans' rows.
    """
    lines, owners, seq = read_lines(snapshot, boxes)
    index = AssetIndex(FrozenSource(seq))
    index.load(ingest((), {}, line=False), lines, owners, seq)
    plans, candidates = [], []
    for g in np.unique(group).tolist():
        pick = np.flatnonzero(group == g)
        batch = match_routes(index, [routes[k] for k in pick.tolist()], templates[g], costs)
        plans.append(_plan_columns(batch, rows[pick]))
        candidates.append(_candidate_columns(batch, rows[pick], top))
    return {"plans": _concat(plans), "candidates": _concat(candidates), "seq": seq}


def _plan_columns(batch: RouteBatch, rows: np.ndarray) -> dict:
    """One row per route: the report's verdict and figures, the best candidate, and the
    money a share or partial share avoids (0 where the verdict is build new)."""
    return {
        "row": rows,
        "verdict": batch.verdict,
        "route_length_m": batch.route_length_m,
        "coverage_m": batch.coverage_m,
        "coverage_ratio": batch.coverage_ratio,
        "lateral_m": batch.lateral_m,
        "new_trench_m": batch.new_trench_m,
        "eligible": batch.candidate_count,
        "best_asset_id": batch.best_asset_id,
        "saving": np.where(batch.verdict != "build_new", batch.estimated_saving, 0.0),
    }


def _candidate_columns(batch: RouteBatch, rows: np.ndarray, top: int) -> dict:
    """The best `top` candidates of each route, ranked as its report ranks them."""
    found = [(q, rank, c) for q in range(len(batch)) for rank, c in enumerate(batch.ranked(q))]
    found = [(q, rank, c) for q, rank, c in found if rank < top]
    return {
        "row": rows[np.array([q for q, _, _ in found], dtype=np.int64)],
        "rank": np.array([rank + 1 for _, rank, _ in found], dtype=np.int64),
        "asset_id": np.array([c.asset_id for _, _, c in found], dtype=np.int64),
        "owner_ref": np.array([c.owner_ref for _, _, c in found], dtype=object),
        "kind": np.array([c.kind for _, _, c in found], dtype=object),
        "owner_name": np.array([c.owner_name for _, _, c in found], dtype=object),
        "distance_m": np.array([metres(c.distance_m) for _, _, c in found], dtype=np.float64),
        "covered_m": np.array([metres(c.covered_m) for _, _, c in found], dtype=np.float64),
    }
