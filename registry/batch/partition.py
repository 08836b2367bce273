"""The work of one audit partition: read its tile of the snapshot, match its plans.

Pure matching apart from the read: an `AssetIndex` over the tile's assets (with the halo)
and `matching.batch.match_sites` per request template. Runs on a Dask worker or in-process.
"""

from __future__ import annotations

import numpy as np

from matching import rules
from matching.batch import SiteBatch, match_sites
from matching.index import AssetIndex
from matching.ingest import ingest
from matching.memory_source import FrozenSource
from matching.reports import metres, ratio
from registry.batch.snapshot import read_points


def audit_partition(snapshot, boxes, rows, lon, lat, group, templates, costs, top: int) -> dict:
    """Verdicts and best candidates of the plans `rows` (with their lon, lat, template
    number `group`) against the snapshot's assets inside `boxes` (None: all of them).

    Returns {"plans": columns, "candidates": columns} keyed by the plans' row numbers.
    """
    points, owners, seq = read_points(snapshot, boxes)
    index = AssetIndex(FrozenSource(seq))
    index.load(points, ingest((), {}, line=True), owners, seq)
    plans, candidates = [], []
    for g in np.unique(group).tolist():
        pick = np.flatnonzero(group == g)
        batch = match_sites(index, np.column_stack([lon[pick], lat[pick]]), templates[g], costs)
        plans.append(_plan_columns(batch, rows[pick], costs))
        candidates.append(_candidate_columns(batch, rows[pick], top))
    return {"plans": _concat(plans), "candidates": _concat(candidates), "seq": seq}


def _plan_columns(batch: SiteBatch, rows: np.ndarray, costs) -> dict:
    """One row per plan: verdict, eligible count, the best candidate (or -1 / nan), saving."""
    best = list(
        zip(batch.offsets[:-1].tolist(), (np.diff(batch.offsets) > 0).tolist(), strict=True)
    )
    ids, distance, score = (c.tolist() for c in (batch.asset_id, batch.distance, batch.score))
    saving = costs.site_saving(set(batch.request.needs))
    return {
        "row": rows,
        "verdict": np.where(batch.share, "share", "build_new").astype(object),
        "eligible": batch.eligible,
        "best_asset_id": np.array([ids[k] if h else -1 for k, h in best], np.int64),
        "best_distance_m": np.array(
            [metres(distance[k]) if h else np.nan for k, h in best], np.float64
        ),
        "best_score": np.array([ratio(score[k]) if h else np.nan for k, h in best], np.float64),
        "saving": np.where(batch.share, saving, 0.0),
    }


def _candidate_columns(batch: SiteBatch, rows: np.ndarray, top: int) -> dict:
    counts = np.diff(batch.offsets)
    starts = batch.offsets[:-1]
    rank = np.arange(len(batch.asset_id)) - np.repeat(starts, counts)
    keep = np.flatnonzero(rank < top)
    query = np.repeat(np.arange(len(rows)), counts)[keep]
    return {
        "row": rows[query],
        "rank": rank[keep] + 1,
        "asset_id": batch.asset_id[keep],
        "owner_ref": np.array(batch.refs.strings(keep), dtype=object),
        "kind": np.array(rules.KINDS, dtype=object)[batch.kind[keep]],
        "owner_name": np.array(
            [batch.owners.get(o) for o in batch.owner_id[keep].tolist()], dtype=object
        ),
        "distance_m": np.array([metres(d) for d in batch.distance[keep].tolist()]),
        "score": np.array([ratio(s) for s in batch.score[keep].tolist()]),
    }


def _concat(parts: list[dict]) -> dict:
    if not parts:
        return {}
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
