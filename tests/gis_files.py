"""Small GIS files for import tests, written with pyogrio (no geopandas) or by hand."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw
from pyproj import Transformer

# Three towers per test area, each in a CRS that is at home there.
AREAS = {
    "EPSG:4490": [(108.366, 22.817), (108.3712345, 22.8154321), (108.37, 22.82)],  # Nanning
    "EPSG:2039": [(35.2137, 31.7683), (35.2201, 31.7712), (35.2055, 31.7801)],  # Jerusalem
    "EPSG:2272": [(-75.1652, 39.9526), (-75.1601, 39.9489), (-75.1702, 39.9571)],  # Philadelphia
    "EPSG:4326": [(9.5209, 47.1410), (9.5312, 47.1502), (9.5111, 47.1333)],  # Vaduz
}
MAPPING = """
fields:
  owner_ref: ref
  kind: {value: tower}
  height_m: height
  capacity.antenna_mount.total: mounts
"""


def towers(crs: str) -> tuple[list[tuple[float, float]], dict]:
    """(lon/lat of three towers in the CRS's area, their fields: ref, height, mounts)."""
    fields = {
        "ref": np.array(["T1", "T2", "T3"], dtype=object),
        "height": np.array([30.5, 42.0, 25.0]),
        "mounts": np.array([6, 3, 9], dtype=np.int64),
    }
    return AREAS[crs], fields


def projected(lonlat, crs: str) -> np.ndarray:
    to_crs = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = to_crs.transform(*zip(*lonlat, strict=True))
    return np.column_stack([xs, ys])


def write_ogr(path: Path, driver: str, crs: str, lonlat, fields: dict) -> Path:
    """Points (given in lon/lat) written in `crs` with any OGR driver."""
    geoms = shapely.to_wkb(shapely.points(projected(lonlat, crs)))
    raw.write(
        str(path), geoms, list(fields.values()), list(fields), driver=driver,
        geometry_type="Point", crs=crs,
    )  # fmt: skip
    return path


def write_zipped_shapefile(path: Path, crs: str, lonlat, fields: dict) -> Path:
    folder = path.parent / (path.stem + "_shp")
    folder.mkdir()
    write_ogr(folder / f"{path.stem}.shp", "ESRI Shapefile", crs, lonlat, fields)
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    return path


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_geojson(path: Path, features: list[dict], crs: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def registry_feature(ref: str, lon: float, lat: float, **props) -> dict:
    """A Feature in the registry's own property names (no owner_id: the import gives it)."""
    props = {"kind": "tower", "owner_ref": ref, "capacity": {"antenna_mount": {"total": 6}}} | props
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}  # fmt: skip
