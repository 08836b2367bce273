"""Reading GIS files: dates and times arrive as the file's own text."""

from __future__ import annotations

import json

from registry.interop.importers.sources import read_source


def _geojson(tmp_path, values: list[str | None]):
    features = [
        {
            "type": "Feature",
            "properties": {"owner_ref": f"T{k}", "installed_at": value},
            "geometry": {"type": "Point", "coordinates": [108.3, 22.8]},
        }
        for k, value in enumerate(values)
    ]
    path = tmp_path / "towers.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_a_time_a_hair_before_the_next_second_is_read_not_a_crash(tmp_path):
    # numpy's conversion rounded 02.9999995 s up to a microsecond of 1,000,000 and raised
    table = _geojson(tmp_path, ["2026-11-29T15:01:02.9999995+00:00", None])
    read = read_source(table)
    column = read.columns[read.fields.index("installed_at")]
    assert column[0].startswith("2026-11-29T15:01:03") and column[1] is None


def test_a_time_zone_offset_is_kept(tmp_path):
    read = read_source(_geojson(tmp_path, ["2026-11-29T15:01:02+08:00"]))
    assert read.columns[read.fields.index("installed_at")] == ["2026-11-29T15:01:02+08:00"]


def _csv(tmp_path, text: str, types: str | None = None):
    path = tmp_path / "towers.csv"
    path.write_text(text)
    if types is not None:
        path.with_suffix(".csvt").write_text(types)
    return path


def test_a_csv_cell_arrives_as_its_text_and_an_empty_one_as_empty_text(tmp_path):
    read = read_source(
        _csv(tmp_path, 'owner_ref,lon,lat,note\nT1,108.3,22.8,"a, b"\nT2,108.4,22.9,\n')
    )
    assert read.columns[read.fields.index("note")] == ["a, b", ""]
    assert [g.coords[0] for g in read.geometries] == [(108.3, 22.8), (108.4, 22.9)]


def test_a_typed_csv_date_arrives_as_the_file_s_text(tmp_path):
    # A .csvt types the columns: the Arrow read would give date objects, so it is not used
    path = _csv(tmp_path, "owner_ref,lon,lat,built\nT1,108.3,22.8,2020-01-02\n",
                '"String","Real","Real","Date"\n')  # fmt: skip
    read = read_source(path)
    assert read.columns[read.fields.index("built")] == ["2020-01-02"]


def test_a_3d_wkt_csv_is_read_as_2d_and_a_one_point_line_is_reported(tmp_path):
    text = 'owner_ref,wkt\nT1,"POINT Z (108.3 22.8 5)"\nT2,"LINESTRING (108.3 22.8)"\n'
    read = read_source(_csv(tmp_path, text))
    assert read.geometries[0].wkt == "POINT (108.3 22.8)" and not read.geometries[0].has_z
    assert read.geometries[1] is None and 1 in read.geometry_errors
