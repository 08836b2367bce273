"""Validating one source feature the slow, exact way: map it, then parse it as the API does.

The bulk path (registry.interop.importers.vector) validates whole columns at once and sends
here only the features it cannot vouch for, so that every report row says exactly what
`parse_asset_feature` says about that feature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.geometry

from registry.errors import ValidationFailed
from registry.interop.importers.mapping import Mapping
from registry.interop.importers.repair import repaired
from registry.interop.importers.report import ReportRow
from registry.interop.importers.sources import SourceTable
from registry.inventory.validation import AssetInput, parse_asset_feature


@dataclass
class Context:
    """Everything validation needs: the source, the mapping, the owner and the kind override."""

    table: SourceTable
    mapping: Mapping
    owner_id: int
    kind: str | None
    keep: np.ndarray  # bool per feature: False where the mapping's `where` skips it
    extra: dict  # per-feature injected values (numbered refs): {index: {key: value}}
    # Validated group properties by their source values, kept across the batches of one
    # streamed file (importers.pipeline), so that a group is validated once, not per batch.
    memo: dict | None = None


def canonical(value) -> str:
    """The canonical JSON text of attributes or capacity (sorted keys), as staged and audited."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def capacity_json(data: AssetInput) -> str:
    return canonical({r.value: spec.as_json() for r, spec in data.capacity.items()})


def record(ctx: Context, index: int) -> dict:
    out = ctx.table.record(index)
    out.update(ctx.extra.get(index, {}))
    return out


def geojson_of(geom) -> dict | None:
    """The GeoJSON mapping of a source geometry, coordinates exactly as read."""
    return None if geom is None else shapely.geometry.mapping(geom)


def feature_of(ctx: Context, rec: dict, geometry) -> dict:
    """The GeoJSON Feature (without owner_id) a source record stands for."""
    props = ctx.mapping.apply(rec)
    if ctx.kind:
        props["kind"] = ctx.kind
    geometry = repaired(geometry, ctx.mapping.repair)
    return {"type": "Feature", "geometry": geometry, "properties": props}


def validate_one(ctx: Context, index: int) -> AssetInput | ReportRow:
    """Feature `index` (0-based) parsed as the API parses it, or its report row."""
    number = index + 1
    rec = record(ctx, index)
    try:
        problem = ctx.table.geometry_errors.get(index)
        if problem is not None:
            ctx.mapping.apply(rec)  # a bad property is reported before the geometry, as before
            raise ValidationFailed("geometry", problem)
        feature = feature_of(ctx, rec, geojson_of(ctx.table.geometries[index]))
        return parse_asset_feature(feature, ctx.owner_id)
    except ValidationFailed as exc:
        ref = ctx.mapping.ref_of(rec)
        return ReportRow(number, ctx.table.line(number), ref, exc.field or "", exc.reason)
