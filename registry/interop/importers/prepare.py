"""Validating a range of source features: map, parse as the API does, compare with the registry.

This part is pure Python over in-memory data, so it can run in forked worker processes;
everything it needs is in one `Context` set before the fork.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely

from registry.errors import ValidationFailed
from registry.interop.importers.known import digest, geojson_list, snapshot_text
from registry.interop.importers.mapping import Mapping
from registry.interop.importers.repair import repaired
from registry.interop.importers.report import ReportRow
from registry.interop.importers.sources import SourceTable
from registry.inventory.assets import input_snapshot
from registry.inventory.validation import AssetInput, parse_asset_feature


class Staged(NamedTuple):
    """One valid feature, ready to store; the parent sets op (create, update or unchanged)."""

    number: int
    op: str
    asset_id: int | None
    owner_ref: str
    kind: str
    status: str
    sensitivity: str
    wkb: bytes
    attributes: str  # JSON
    capacity: tuple  # ((resource, total, heights JSON), ...)
    after: str  # the audit snapshot, JSON
    digest: bytes = b""  # of `after`, to compare with what the registry holds
    copy_asset: str = ""  # PostgreSQL: the staging row after id and op, in COPY text format
    copy_after: str = ""  # PostgreSQL: `after` escaped for COPY text format


@dataclass
class Context:
    """Everything a batch needs: the source, the mapping, the owner and what exists."""

    table: SourceTable
    mapping: Mapping
    owner_id: int
    kind: str | None
    keep: np.ndarray  # bool per feature: False where the mapping's `where` skips it
    extra: dict  # per-feature injected values (numbered refs): {index: {key: value}}
    copy_text: bool = False  # also format rows for PostgreSQL's COPY (done here, in parallel)


@dataclass
class Batch:
    """The outcome of one range: staged rows, rejected rows, features the mapping skipped."""

    staged: list[Staged]
    rejected: list[ReportRow]
    skipped: int
    size: int  # features in the range


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_escape(text: str) -> str:
    """A value as COPY's text format needs it (backslash, tab and line breaks escaped)."""
    return text.translate(_COPY_ESCAPES)


def _with_copy_text(s: Staged) -> Staged:
    tail = (s.owner_ref, s.kind, s.status, s.sensitivity)
    row = "\t".join(map(copy_escape, tail))
    row += f"\t\\\\x{s.wkb.hex()}\t{copy_escape(s.attributes)}"
    return s._replace(copy_asset=row, copy_after=copy_escape(s.after))


def _capacity_rows(data: AssetInput) -> tuple:
    return tuple(
        (r.value, spec.total, json.dumps(list(spec.heights)) if spec.heights else "null")
        for r, spec in sorted(data.capacity.items())
    )


def snapshot(data: AssetInput, geometry: dict) -> dict:
    """registry.inventory.assets.input_snapshot, reusing the GeoJSON a point was read from.

    parse_asset_feature keeps a point's coordinates exactly, so its GeoJSON is the same as
    to_geojson of the parsed Point (tests/unit/test_import_mapping.py checks this).
    """
    if geometry.get("type") != "Point":
        return input_snapshot(data)
    return {
        "kind": data.kind.value,
        "owner_id": data.owner_id,
        "owner_ref": data.owner_ref,
        "status": data.status.value,
        "sensitivity": data.sensitivity.value,
        "geometry": geometry,
        "attributes": data.attributes,
        "capacity": {r.value: spec.as_json() for r, spec in data.capacity.items()},
    }


def stage(number: int, data: AssetInput, geometry: dict) -> Staged:
    """A valid feature as a row to store, with its audit snapshot and that snapshot's digest.

    The row's `wkb` is left empty here and filled for the whole batch at once (much faster).
    """
    after = snapshot_text(snapshot(data, geometry))
    return Staged(
        number,
        "",
        None,
        data.owner_ref,
        data.kind.value,
        data.status.value,
        data.sensitivity.value,
        b"",
        json.dumps(data.attributes, sort_keys=True, ensure_ascii=False),
        _capacity_rows(data),
        after,
        digest(after),
    )


def _record(ctx: Context, index: int) -> dict:
    record = ctx.table.record(index)
    record.update(ctx.extra.get(index, {}))
    return record


def _feature(ctx: Context, record: dict, geometry) -> dict:
    props = ctx.mapping.apply(record)
    if ctx.kind:
        props["kind"] = ctx.kind
    geometry = repaired(geometry, ctx.mapping.repair)
    return {"type": "Feature", "geometry": geometry, "properties": props}


def prepare(ctx: Context, lo: int, hi: int) -> Batch:
    """Validate features lo..hi-1 (0-based) of the source; numbers in the report are 1-based."""
    batch = Batch([], [], 0, hi - lo)
    geometries = geojson_list(ctx.table.geometries[lo:hi])
    parsed = []
    for index in range(lo, hi):
        number = index + 1
        if not ctx.keep[index]:
            batch.skipped += 1
            continue
        record = _record(ctx, index)
        try:
            feature = _feature(ctx, record, geometries[index - lo])
            data = parse_asset_feature(feature, ctx.owner_id)
            batch.staged.append(stage(number, data, feature["geometry"]))
            parsed.append(data.geometry)
        except ValidationFailed as exc:
            ref = ctx.mapping.ref_of(record)
            line = ctx.table.line(number)
            batch.rejected.append(ReportRow(number, line, ref, exc.field or "", exc.reason))
    wkbs = shapely.to_wkb(np.array(parsed, dtype=object)).tolist() if parsed else []
    batch.staged = [s._replace(wkb=w) for s, w in zip(batch.staged, wkbs, strict=True)]
    if ctx.copy_text:
        batch.staged = [_with_copy_text(s) for s in batch.staged]
    return batch
