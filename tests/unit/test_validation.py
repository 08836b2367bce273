"""Asset invariants, checked without a database."""

from __future__ import annotations

import math

import pytest

from registry.db.geometry import parse_geojson, swap_hint
from registry.db.spatial_sql import radius_bboxes, split_bbox
from registry.errors import (
    InvalidAttribute,
    InvalidCapacity,
    InvalidFields,
    InvalidGeometry,
    ValidationFailed,
)
from registry.inventory.changes import merge_patch
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


@pytest.mark.parametrize(
    ("geometry", "words"),
    [
        ({"type": "LineString", "coordinates": [[108.3, 22.8]]}, "at least two positions"),
        ({"type": "Point", "coordinates": [[1, 2, 3, 4]]}, "[lon, lat]"),
        ({"type": "Point", "coordinates": [108.3]}, "[lon, lat]"),
        ({"type": "Point", "coordinates": [True, 22.8]}, "[lon, lat]"),
        ({"type": "Point", "coordinates": [10**400, 22.8]}, "[lon, lat]"),
        ({"type": "LineString", "coordinates": [[1, 2], [3, [4]]]}, "at least two positions"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}, "rings of 4+"),
        ({"type": "GeometryCollection", "coordinates": []}, "type must be one of"),
    ],
)
def test_a_malformed_geometry_is_explained_in_geojson_terms(geometry, words):
    with pytest.raises(InvalidGeometry) as err:
        parse_geojson(geometry, "geometry")
    assert words in err.value.reason
    assert "gufunc" not in err.value.reason and "Exception" not in err.value.reason


def test_an_elevation_is_accepted_and_dropped():
    point = parse_geojson({"type": "Point", "coordinates": [108.3, 22.8, 55.0]})
    assert (point.has_z, point.x, point.y) == (False, 108.3, 22.8)


def test_swapped_positions_get_a_lon_lat_hint_and_valid_ones_none():
    with pytest.raises(InvalidGeometry, match=r"GeoJSON wants \[lon, lat\]"):
        parse_geojson({"type": "Point", "coordinates": [22.8, 108.3]})
    assert swap_hint([(108.3, 22.8)]) == ""  # read the other way round it would be invalid


def test_every_bad_field_of_a_feature_is_reported_together():
    with pytest.raises(InvalidFields) as err:
        parse_asset_feature(
            feature(
                {"type": "Point", "coordinates": [200, 22.8]},
                owner_ref=" ",
                status="gone",
                height_m="tall",
                capacity={"antenna_mount": {"total": -1}, "water": {"total": 1}},
            )
        )
    assert set(err.value.errors()) == {
        "geometry",
        "properties.owner_ref",
        "properties.status",
        "properties.height_m",
        "properties.capacity.antenna_mount.total",
        "properties.capacity.water",
    }


def test_one_bad_field_keeps_its_own_code():
    with pytest.raises(InvalidAttribute) as err:
        parse_asset_feature(feature(height_m="tall"))
    assert err.value.code == "invalid_attribute"


@pytest.mark.parametrize(
    ("kind", "height", "mounts", "refused"),
    [
        ("tower", 30, [30, 27], False),
        ("tower", 30, [30.5, 27], True),
        ("pole", 10, [11], True),
        ("rooftop", 30, [33], False),  # a mast on the roof
    ],
)
def test_mounts_cannot_sit_above_a_tower_or_pole(kind, height, mounts, refused):
    capacity = {"antenna_mount": {"total": len(mounts), "heights": mounts}}
    f = feature(kind=kind, height_m=height, capacity=capacity)
    if refused:
        with pytest.raises(InvalidCapacity, match="above the"):
            parse_asset_feature(f)
    else:
        assert parse_asset_feature(f).capacity["antenna_mount"].heights == tuple(mounts)


def test_an_attribute_too_large_for_a_float_is_refused():
    with pytest.raises(InvalidAttribute, match="finite"):
        parse_asset_feature(feature(height_m=10**400))


@pytest.mark.parametrize("owner_id", [0, -1, 2**31, 2**63])
def test_an_owner_id_out_of_range_is_refused(owner_id):
    with pytest.raises(ValidationFailed) as err:
        parse_asset_feature(feature(owner_id=owner_id))
    assert err.value.field == "properties.owner_id"
