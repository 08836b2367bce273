"""Planned-site and planned-route files for the audit: a bad file is refused naming the place
and the fix, never with a traceback or Python's own wording."""

from __future__ import annotations

import json

import pytest

from registry.batch import plans, route_plans
from registry.errors import ValidationFailed

LINE = {"type": "LineString", "coordinates": [[108.3, 22.8], [108.31, 22.8]]}
POINT = {"type": "Point", "coordinates": [108.3, 22.8]}
NEEDS = {"antenna_mount": 1}


def _collection(geometry, **props) -> dict:
    feature = {"type": "Feature", "geometry": geometry, "properties": props}
    return {"type": "FeatureCollection", "features": [feature]}


def _write(tmp_path, name: str, content) -> object:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def _refusal(read, path) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        read(path)
    return raised.value


def _sites(path):
    return plans.from_file(path, NEEDS, 500.0)


def _routes(path):
    return route_plans.from_file(path, {"fiber_core": 1}, 50.0)


INTERNALS = ("np.", "Error", "dictionary update", "float()", "NoneType", "char ", "codec")

BAD_SITE_FILES = [
    ("not JSON at all", "planned.geojson", "{not json", "file", "not valid JSON"),
    ("an empty GeoJSON file", "planned.geojson", "", "file", "not valid JSON"),
    ("a JSON array", "planned.geojson", [1, 2], "file", "FeatureCollection"),
    ("features as text", "planned.geojson", {"type": "FeatureCollection", "features": "abc"},
     "file", "FeatureCollection"),
    ("a feature that is a number", "planned.geojson",
     {"type": "FeatureCollection", "features": [5]}, "features[0]", "Feature"),
    ("properties as text", "planned.geojson",
     {"type": "FeatureCollection", "features": [
         {"type": "Feature", "geometry": POINT, "properties": "abc"}]},
     "features[0].properties", "object"),
    ("text coordinates", "planned.geojson",
     _collection({"type": "Point", "coordinates": ["a", "b"]}), "features[0].geometry", "lon"),
    ("needs as a list", "planned.geojson", _collection(POINT, needs=[1]),
     "features[0].needs", "antenna_mount"),
    ("units that are text", "planned.geojson", _collection(POINT, needs={"antenna_mount": "2"}),
     "features[0].needs.antenna_mount", "write 2 without the quotes"),
    ("a radius that is text", "planned.geojson", _collection(POINT, radius_m="500"),
     "features[0].radius_m", "without the quotes"),
    ("a radius that is true", "planned.geojson", _collection(POINT, radius_m=True),
     "features[0].radius_m", "number"),
    ("a longitude beyond 180", "planned.geojson",
     _collection({"type": "Point", "coordinates": [200, 22.8]}), "features[0].geometry",
     "longitude"),
    ("an empty CSV", "planned.csv", "", "file", "lon"),
    ("a CSV without lon and lat", "planned.csv", "id,x,y\n1,2,3\n", "file", "lon"),
    ("a CSV that is not UTF-8", "planned.csv", b"\xff\xfe\x00garbage", "file", "UTF-8"),
    ("a text file", "planned.txt", "id,lon,lat\n1,108,22\n", "file", ".csv"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "content", "field", "hint"),
    [case[1:] for case in BAD_SITE_FILES],
    ids=[case[0] for case in BAD_SITE_FILES],
)
def test_a_bad_planned_sites_file_is_refused_naming_the_field(tmp_path, name, content, field,
                                                              hint):  # fmt: skip
    refusal = _refusal(_sites, _write(tmp_path, name, content))
    assert refusal.field == field
    assert hint in refusal.reason
    assert not any(word in refusal.reason for word in INTERNALS), refusal.reason


BAD_ROUTE_FILES = [
    ("a corridor that is text", _collection(LINE, corridor_m="50"), "features[0].corridor_m",
     "without the quotes"),
    ("a corridor that is true", _collection(LINE, corridor_m=True), "features[0].corridor_m",
     "number"),
    ("coordinates as text", _collection({"type": "LineString", "coordinates": "x"}),
     "features[0].geometry", "[[lon, lat]"),
    ("a single position", _collection({"type": "LineString", "coordinates": [[108, 22]]}),
     "features[0].geometry", "at least two"),
    ("needs as text", _collection(LINE, needs="fiber_core"), "features[0].needs", "fiber_core"),
    ("cores that are text", _collection(LINE, needs={"fiber_core": "12"}),
     "features[0].needs.fiber_core", "write 12 without the quotes"),
    ("a point among lines", _collection(POINT), "features[0].geometry", "LineString"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("content", "field", "hint"),
    [case[1:] for case in BAD_ROUTE_FILES],
    ids=[case[0] for case in BAD_ROUTE_FILES],
)
def test_a_bad_planned_routes_file_is_refused_naming_the_field(tmp_path, content, field, hint):
    refusal = _refusal(_routes, _write(tmp_path, "routes.geojson", content))
    assert refusal.field == field
    assert hint in refusal.reason
    assert not any(word in refusal.reason for word in INTERNALS), refusal.reason


def test_numbers_in_a_csv_are_text_by_nature_and_read_as_numbers(tmp_path):
    path = _write(tmp_path, "planned.csv", "id,lon,lat,radius_m\na,108.3,22.8,750\n")
    found = _sites(path)
    assert found.ids.tolist() == ["a"] and found.lon.tolist() == [108.3]
    assert [t.radius_m for t in found.templates] == [750.0]


def test_json_numbers_in_a_geojson_file_are_read(tmp_path):
    sites = _sites(_write(tmp_path, "s.geojson", _collection(POINT, radius_m=750, id="s")))
    routes = _routes(_write(tmp_path, "r.geojson", _collection(LINE, corridor_m=20, id="r")))
    assert [t.radius_m for t in sites.templates] == [750.0] and sites.ids.tolist() == ["s"]
    assert [t.corridor_m for t in routes.templates] == [20.0] and routes.ids.tolist() == ["r"]


def test_plans_sharing_a_template_are_grouped_in_the_order_first_seen(tmp_path):
    rows = "id,lon,lat,radius_m\na,108.3,22.8,750\nb,108.4,22.8,\nc,108.5,22.8,750\n"
    found = _sites(_write(tmp_path, "planned.csv", rows))
    assert found.group.tolist() == [0, 1, 0]
    assert [t.radius_m for t in found.templates] == [750.0, 500.0]
    features = [
        {"type": "Feature", "geometry": LINE, "properties": {"corridor_m": c}}
        for c in (20, 50, 20, 30)
    ]
    routes = _routes(_write(tmp_path, "r.geojson", {"type": "FeatureCollection",
                                                    "features": features}))  # fmt: skip
    assert routes.group.tolist() == [0, 1, 0, 2]
    assert [t.corridor_m for t in routes.templates] == [20.0, 50.0, 30.0]
