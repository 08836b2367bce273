"""Import reads GeoJSON, CSV, GeoPackage, zipped Shapefile and KML, reprojecting to lon/lat."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from registry.interop.importers.mapping_file import parse_mapping
from registry.interop.importers.run import ImportOptions, import_file
from registry.inventory.models import Asset
from tests import gis_files as gis
from tests.factories import make_org


def _import(session_factory, actor, path, owner_id, **options):
    mapping = parse_mapping(options.pop("mapping", gis.MAPPING))
    return import_file(
        session_factory, actor, path, ImportOptions(owner_id=owner_id, mapping=mapping, **options)
    )


def _stored(session_factory) -> dict:
    with session_factory() as session:
        assets = session.scalars(sa.select(Asset).order_by(Asset.owner_ref)).unique()
        return {a.owner_ref: a for a in assets}


def _write(kind: str, tmp_path, crs: str):
    lonlat, fields = gis.towers(crs)
    if kind == "geojson":
        return gis.write_ogr(tmp_path / "towers.geojson", "GeoJSON", crs, lonlat, fields)
    if kind == "gpkg":
        return gis.write_ogr(tmp_path / "towers.gpkg", "GPKG", crs, lonlat, fields)
    if kind == "shapefile":
        return gis.write_zipped_shapefile(tmp_path / "towers.zip", crs, lonlat, fields)
    return gis.write_ogr(tmp_path / "towers.kml", "KML", crs, lonlat, fields)


@pytest.mark.parametrize(
    ("kind", "crs"),
    [("geojson", "EPSG:4490"), ("gpkg", "EPSG:2039"), ("shapefile", "EPSG:2272"),
     ("kml", "EPSG:4326")],
)  # fmt: skip
def test_each_format_imports_three_towers_where_they_stand(
    session_factory, actor, tmp_path, kind, crs
):
    owner = make_org(session_factory)
    path = _write(kind, tmp_path, crs)
    summary = _import(session_factory, actor, path, owner.id)
    assert (summary.created, summary.rejected, summary.crs) == (3, 0, crs)
    stored = _stored(session_factory)
    lonlat, _ = gis.towers(crs)
    for ref, (lon, lat), height, mounts in zip(
        ("T1", "T2", "T3"), lonlat, (30.5, 42.0, 25.0), (6, 3, 9), strict=True
    ):
        asset = stored[ref]
        assert abs(asset.geom.x - lon) < 1e-7 and abs(asset.geom.y - lat) < 1e-7
        assert asset.attributes["height_m"] == height
        assert asset.capacities[0].total == mounts
    again = _import(session_factory, actor, path, owner.id)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_csv_with_lon_lat_columns_imports_with_its_line_numbers_in_the_report(
    session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    rows = [
        [108.366, 22.817, "T1", "30", "6"],
        [108.367, 22.818, "T2", "tall", "6"],
        [108.368, 22.819, "T3", "", "6"],
    ]
    path = gis.write_csv(tmp_path / "towers.csv", ["lon", "lat", "ref", "height", "mounts"], rows)
    summary = _import(session_factory, actor, path, owner.id, skip_invalid=True)
    assert (summary.created, summary.rejected) == (2, 1)
    (row,) = summary.report
    assert (row.feature, row.line, row.owner_ref, row.field) == (2, 3, "T2", "properties.height_m")
    assert "'tall' is not a number" in row.reason
    stored = _stored(session_factory)
    assert stored["T1"].attributes == {"height_m": 30.0} and stored["T3"].attributes == {}


def test_a_csv_of_projected_wkt_is_reprojected_when_the_mapping_declares_its_crs(
    session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    lonlat, _ = gis.towers("EPSG:2039")
    xy = gis.projected(lonlat, "EPSG:2039")
    rows = [[f"POINT ({x} {y})", f"T{i}", 30, 6] for i, (x, y) in enumerate(xy, start=1)]
    path = gis.write_csv(tmp_path / "towers.csv", ["wkt", "ref", "height", "mounts"], rows)
    summary = _import(
        session_factory, actor, path, owner.id, mapping="crs: EPSG:2039\n" + gis.MAPPING
    )
    assert (summary.created, summary.crs, summary.warnings) == (3, "EPSG:2039", [])
    assert abs(_stored(session_factory)["T1"].geom.x - lonlat[0][0]) < 1e-7


def test_a_file_without_crs_whose_coordinates_look_projected_gets_a_warning(
    session_factory, actor, tmp_path
):
    owner = make_org(session_factory)
    xy = gis.projected(gis.towers("EPSG:2039")[0], "EPSG:2039")
    rows = [[x, y, f"T{i}", 30, 6] for i, (x, y) in enumerate(xy, start=1)]
    path = gis.write_csv(tmp_path / "towers.csv", ["x", "y", "ref", "height", "mounts"], rows)
    summary = _import(session_factory, actor, path, owner.id)
    assert summary.crs == "EPSG:4326" and not summary.committed
    assert "look projected" in summary.warnings[0]
    assert {r.reason for r in summary.report} == {"longitude must be between -180 and 180"}
    assert _stored(session_factory) == {}
