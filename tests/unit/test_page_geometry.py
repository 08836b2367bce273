"""A page's geometries converted and snapped in one pass give what one at a time gives."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import LineString, MultiPoint, Point, Polygon, mapping

from registry.access.visibility import snap, snap_many
from registry.db.geometry import to_geojson, to_geojson_many

PAGE = [
    Point(108.3201, 22.8172),
    LineString([(108.30, 22.81), (108.3101, 22.8155), (108.32, 22.80)]),
    Point(-0.000123, 51.5),
    LineString([(-179.9, 89.2), (179.8, 88.9), (0.5, 89.5), (1.25, 89.0)] * 3),
    Point(1.5, 2.5, 3.5),  # 3-D: left to shapely's mapping
    Point(),  # empty
    Polygon([(0, 0), (1, 0), (1, 1)]),
    MultiPoint([(1, 2), (3, 4)]),
]


def test_a_page_of_geojson_is_what_each_geometry_gives():
    one_by_one = [to_geojson(g) for g in PAGE]
    together = to_geojson_many(PAGE)
    assert together == one_by_one
    assert json.dumps(together) == json.dumps(one_by_one)  # tuples where mapping has tuples
    assert repr(together) == repr(one_by_one)
    assert to_geojson_many([]) == []


@pytest.mark.parametrize("grid_m", [250.0, 37.5, 1000.0])
def test_a_page_snapped_at_once_is_snapped_as_each_one_alone(grid_m):
    page = [g for g in PAGE if not g.has_z]
    alone = [snap(g, grid_m) for g in page]
    together = snap_many(page, grid_m)
    assert [g.wkb for g in together] == [g.wkb for g in alone]
    assert [mapping(g) for g in together] == [mapping(g) for g in alone]
    assert together[0].wkb != page[0].wkb  # it did snap
