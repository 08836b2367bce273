"""Turning change-feed entries into in-place updates, tombstones and delta appends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from matching import rules
from matching.columns import AssetTable
from matching.ingest import ingest
from matching.records import AssetRecord

if TYPE_CHECKING:
    from matching.index import Generation


@dataclass
class ChangePlan:
    """What to do to each of a generation's tables: points, lines, delta points, delta lines."""

    fresh_points: AssetTable
    fresh_lines: AssetTable
    owners: dict[int, str]
    kills: list[list[int]] = field(default_factory=lambda: [[], [], [], []])
    updates: list[list[tuple[int, int]]] = field(default_factory=lambda: [[], [], [], []])
    append_points: list[int] = field(default_factory=list)
    append_lines: list[int] = field(default_factory=list)


def plan_changes(
    gen: Generation, ids: Sequence[int], records: Mapping[int, AssetRecord]
) -> ChangePlan:
    """Decide, without touching `gen`, how each changed asset lands in it.

    Same geometry: update attributes in place. New, moved, or changed family: tombstone the
    old slot and append to the delta. Missing from `records` (or unusable): tombstone.
    The expensive record-to-column conversion happens here, outside the write lock.
    """
    wanted = np.unique(np.asarray(list(ids), dtype=np.int64))
    present = [records[i] for i in wanted.tolist() if i in records]
    owners: dict[int, str] = {}
    plan = ChangePlan(
        fresh_points=ingest(
            [r for r in present if r.kind not in rules.LINE_KINDS], owners, line=False
        ),
        fresh_lines=ingest([r for r in present if r.kind in rules.LINE_KINDS], owners, line=True),
        owners=owners,
    )
    located = [table.locate(wanted).tolist() for table in gen.tables()]
    point_rows = plan.fresh_points.locate(wanted).tolist()
    line_rows = plan.fresh_lines.locate(wanted).tolist()
    for k in range(len(wanted)):
        fresh, row, appends = plan.fresh_points, point_rows[k], plan.append_points
        if row < 0:
            fresh, row, appends = plan.fresh_lines, line_rows[k], plan.append_lines
        kept = False
        for t, table in enumerate(gen.tables()):
            slot = located[t][k]
            if slot < 0:
                continue
            if row >= 0 and not kept and table.same_geometry(slot, fresh, row):
                plan.updates[t].append((slot, row))
                kept = True
            else:
                plan.kills[t].append(slot)
        if row >= 0 and not kept:
            appends.append(row)
    return plan


def apply_changes(gen: Generation, plan: ChangePlan) -> None:
    """Carry out a plan; the caller holds the write lock (or owns `gen` exclusively)."""
    tables = gen.tables()
    for t, table in enumerate(tables):
        if plan.kills[t]:
            table.kill(np.asarray(plan.kills[t], dtype=np.int64))
        if plan.updates[t]:
            pairs = np.asarray(plan.updates[t], dtype=np.int64)
            fresh = plan.fresh_lines if table.line else plan.fresh_points
            table.update(pairs[:, 0], fresh, pairs[:, 1])
    gen.owners.update(plan.owners)
    if plan.append_points:
        added = plan.fresh_points.take(np.asarray(plan.append_points, dtype=np.int64))
        gen.delta_points = AssetTable.concat([gen.delta_points, added])
    if plan.append_lines:
        added = plan.fresh_lines.take(np.asarray(plan.append_lines, dtype=np.int64))
        gen.delta_lines = AssetTable.concat([gen.delta_lines, added])
