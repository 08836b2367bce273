"""Asset invariants, checked without a database."""

from __future__ import annotations

import math

import pytest

from registry.db.spatial_sql import radius_bboxes, split_bbox
from registry.errors import InvalidAttribute, InvalidCapacity, InvalidGeometry, ValidationFailed
from registry.inventory.assets import merge_patch
from registry.inventory.validation import parse_asset_feature


def feature(geometry=None, **props):
    geometry = geometry or {"type": "Point", "coordinates": [108.3, 22.8]}
    base = {"kind": "tower", "owner_id": 1, "owner_ref": "T1"}
    return {"type": "Feature", "geometry": geometry, "properties": {**base, **props}}


def test_a_valid_tower_keeps_its_typed_attributes_and_capacity():
    data = parse_asset_feature(
        feature(
            height_m=35,
            structure="lattice",
            capacity={"antenna_mount": {"total": 2, "heights": [35, 30]}},
        )
    )
    assert data.attributes == {"height_m": 35.0, "structure": "lattice"}
    assert data.capacity["antenna_mount"].heights == (35.0, 30.0)
    assert data.status == "in_service" and data.sensitivity == "public"


@pytest.mark.parametrize("kind", ["duct", "aerial_route", "fiber_cable"])
def test_a_line_kind_needs_a_line(kind):
    with pytest.raises(InvalidGeometry, match="needs a LineString") as err:
        parse_asset_feature(feature(kind=kind))
    assert err.value.field == "geometry"


@pytest.mark.parametrize(
    "kind", ["tower", "pole", "manhole", "cabinet", "rooftop", "indoor_system"]
)
def test_a_point_kind_needs_a_point(kind):
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    with pytest.raises(InvalidGeometry, match="needs a Point"):
        parse_asset_feature(feature(line, kind=kind))


@pytest.mark.parametrize(
    ("coords", "reason"),
    [
        ([math.inf, 1], "NaN or infinite"),
        ([math.nan, 1], "NaN or infinite"),
        ([180.0001, 1], "longitude"),
        ([1, -90.0001], "latitude"),
    ],
)
def test_coordinates_must_be_finite_and_in_range(coords, reason):
    with pytest.raises(InvalidGeometry, match=reason):
        parse_asset_feature(feature({"type": "Point", "coordinates": coords}))


def test_a_zero_length_or_self_crossing_line_is_refused():
    zero = {"type": "LineString", "coordinates": [[1, 1], [1, 1]]}
    bowtie = {"type": "LineString", "coordinates": [[0, 0], [1, 1], [1, 0], [0, 1]]}
    with pytest.raises(InvalidGeometry, match="zero length"):
        parse_asset_feature(feature(zero, kind="duct"))
    with pytest.raises(InvalidGeometry, match="intersects itself"):
        parse_asset_feature(feature(bowtie, kind="duct"))


@pytest.mark.parametrize(
    ("capacity", "field"),
    [
        ({"antenna_mount": {"total": -1}}, "properties.capacity.antenna_mount.total"),
        ({"antenna_mount": {"total": 2.5}}, "properties.capacity.antenna_mount.total"),
        ({"antenna_mount": {"total": 10_000}}, "properties.capacity.antenna_mount.total"),
        (
            {"antenna_mount": {"total": 2, "heights": [30]}},
            "properties.capacity.antenna_mount.heights",
        ),
        ({"subduct": {"total": 2}}, "properties.capacity.subduct"),
        ({"antenna_mount": 6}, "properties.capacity.antenna_mount"),
    ],
)
def test_capacity_is_a_whole_non_negative_count_the_kind_can_offer(capacity, field):
    with pytest.raises(InvalidCapacity) as err:
        parse_asset_feature(feature(capacity=capacity))
    assert err.value.field == field


def test_attributes_are_typed_per_kind():
    with pytest.raises(InvalidAttribute, match="not one of"):
        parse_asset_feature(feature(structure="pyramid"))
    with pytest.raises(InvalidAttribute, match="at most 700"):
        parse_asset_feature(feature(height_m=5000))
    with pytest.raises(InvalidAttribute, match="not an attribute of a tower"):
        parse_asset_feature(feature(diameter_mm=40))


def test_vocabulary_words_are_checked_with_the_allowed_list_in_the_message():
    with pytest.raises(ValidationFailed, match="in_service") as err:
        parse_asset_feature(feature(status="broken"))
    assert err.value.field == "properties.status"


def test_a_merge_patch_replaces_geometry_and_removes_nulls():
    current = feature(height_m=30, capacity={"antenna_mount": {"total": 6}})
    patched = merge_patch(
        current,
        {
            "properties": {"height_m": None, "capacity": {"antenna_mount": {"total": 4}}},
            "geometry": {"type": "Point", "coordinates": [1, 2]},
        },
    )
    assert "height_m" not in patched["properties"]
    assert patched["properties"]["capacity"] == {"antenna_mount": {"total": 4}}
    assert patched["geometry"] == {"type": "Point", "coordinates": [1, 2]}


def test_a_box_across_the_antimeridian_is_split_in_two():
    assert split_bbox(170, -10, -170, 10) == [(170, -10, 180.0, 10), (-180.0, -10, -170, 10)]
    boxes = radius_bboxes(179.999, 0, 1000)
    assert len(boxes) == 2 and boxes[1][0] == -180.0


def test_a_radius_box_covers_the_radius_at_60_degrees():
    ((_, _, maxx, maxy),) = radius_bboxes(10, 60, 10_000)
    # 10 km is 0.0899° of latitude and about 0.18° of longitude at 60°N.
    assert maxy - 60 > 0.0899 and maxx - 10 > 0.179
