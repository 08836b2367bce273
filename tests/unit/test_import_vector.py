"""Validating by columns gives exactly what validating each feature with the API's parser does."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from registry.interop.importers.mapping import Mapping
from registry.interop.importers.mapping_file import parse_mapping
from registry.interop.importers.prepare import Context, validate_one
from registry.interop.importers.report import ReportRow
from registry.interop.importers.sources import SourceTable
from registry.interop.importers.vector import ref_text, ref_texts, validate, values_of

NAN = float("nan")
POINT = shapely.Point(108.36, 22.81)
LINE = shapely.LineString([(108.36, 22.81), (108.37, 22.82)])
# (geometry, kind, owner_ref, height_m, capacity JSON): valid and invalid in every column.
ROWS = [
    (POINT, "tower", "T1", 30.0, '{"antenna_mount": {"total": 6}}'),
    (POINT, "tower", "T2", 30.0, '{"antenna_mount": {"total": 6}}'),
    (shapely.Point(108.4, 22.9), "tower", 17.0, 30.0, '{"antenna_mount": {"total": 6}}'),
    (POINT, "tower", "  T4  ", NAN, None),
    (POINT, "tower", "", 30.0, None),
    (POINT, "tower", "x" * 201, 30.0, None),
    (POINT, "tower", None, 30.0, None),
    (POINT, "castle", "T8", 30.0, None),
    (POINT, "tower", "T9", "tall", None),
    (POINT, "tower", "T10", -5.0, None),
    (POINT, "tower", "T11", 30.0, '{"fiber_core": {"total": 6}}'),
    (POINT, "tower", "T12", 30.0, '{"antenna_mount": {"total": 2, "heights": [10, 20]}}'),
    (POINT, "tower", "T13", 30.0, "not json"),
    (shapely.Point(200.0, 22.8), "tower", "T14", 30.0, None),
    (shapely.Point(NAN, 22.8), "tower", "T15", 30.0, None),
    (None, "tower", "T16", 30.0, None),
    (LINE, "tower", "T17", 30.0, None),
    (LINE, "duct", "D1", NAN, None),
    (POINT, "duct", "D2", NAN, None),
    (shapely.LineString([(108.3, 22.8), (108.3, 22.8)]), "duct", "D3", NAN, None),
    (shapely.Polygon([(0, 0), (1, 0), (1, 1)]), "rooftop", "R1", NAN, None),
    (shapely.MultiPoint([(0, 0), (1, 1)]), "tower", "T22", 30.0, None),
    (LINE, "duct", "D4", 3.0, None),
]


def _table(rows) -> SourceTable:
    geoms = np.empty(len(rows), dtype=object)
    geoms[:] = [r[0] for r in rows]
    columns = [list(col) for col in zip(*(r[1:] for r in rows), strict=True)]
    fields = ["kind", "owner_ref", "height_m", "capacity"]
    return SourceTable("t.geojson", "geojson", fields, columns, geoms, "EPSG:4326")


def _one_by_one(ctx: Context) -> tuple[dict, list]:
    valid, rejected = {}, []
    for index in range(len(ctx.table)):
        result = validate_one(ctx, index)
        if isinstance(result, ReportRow):
            rejected.append(result)
        else:
            valid[index + 1] = (result.owner_ref, values_of(result), result.geometry.wkb)
    return valid, rejected


MAPPED = """
fields:
  owner_ref: owner_ref
  kind: kind
  height_m: {field: height_m, type: number}
  capacity: capacity
"""


@pytest.mark.parametrize("mapping", [Mapping(), parse_mapping(MAPPED)], ids=["own", "mapped"])
def test_column_validation_equals_feature_by_feature_validation(mapping):
    table = _table(ROWS * 2)  # repeated rows share their groups
    ctx = Context(table, mapping, 7, None, np.ones(len(table), dtype=bool), {})
    got = validate(ctx)
    expected_valid, expected_rejected = _one_by_one(ctx)
    valid = {
        int(n): (ref, got.values[g], geom.wkb)
        for n, ref, g, geom in zip(got.number, got.refs, got.group, got.geoms, strict=True)
    }
    assert valid == expected_valid
    assert sorted(got.rejected) == sorted(expected_rejected)
    assert 0 < len(valid) < len(table) and got.number.tolist() == sorted(valid)


@pytest.mark.parametrize(
    "values",
    [
        ["T1", " T2 ", "T3\x1f"],  # all plain text: the column fast path
        ["T1", "   ", "T3"],  # one blank
        ["T1", "x" * 201, 17.0, None, NAN, 4.0, "T\u00a0"],  # mixed: one by one
    ],
)
def test_refs_of_a_column_are_what_each_value_gives(values):
    assert ref_texts(values) == [ref_text(v) for v in values]
