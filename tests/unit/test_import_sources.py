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
