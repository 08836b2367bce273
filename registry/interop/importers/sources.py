"""Reading GIS files with pyogrio (bundled GDAL) into columns and lon/lat shapely geometries."""

from __future__ import annotations

import dataclasses
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyogrio import raw
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from registry.errors import ValidationFailed

log = logging.getLogger(__name__)

FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".csv": "csv",
    ".gpkg": "gpkg",
    ".zip": "shapefile",
    ".shp": "shapefile",
    ".kml": "kml",
    ".kmz": "kml",
}
CSV_X = "lon,longitude,lng,long,x"
CSV_Y = "lat,latitude,y"
CSV_WKT = "wkt,geometry,geom,the_geom"
WGS84 = CRS.from_epsg(4326)


@dataclass
class SourceTable:
    """A whole layer in memory: Python values per field and geometries in EPSG:4326."""

    path: str
    format: str
    fields: list[str]
    columns: list[list]
    geometries: np.ndarray  # shapely geometries (None where a feature has none)
    crs: str
    warnings: list[str] = field(default_factory=list)
    # Features whose geometry could not be built (a LineString of one point): {index: reason}.
    geometry_errors: dict[int, str] = field(default_factory=dict)
    # The same columns as Arrow arrays when the file was read through Arrow (a CSV), so
    # that grouping hashes them without converting the Python values back.
    arrow: list | None = None

    def __len__(self) -> int:
        return len(self.geometries)

    def record(self, i: int) -> dict:
        return {name: col[i] for name, col in zip(self.fields, self.columns, strict=True)}

    def line(self, number: int) -> int | None:
        """The CSV line of feature `number` (1-based; the header is line 1), else None."""
        return number + 1 if self.format == "csv" else None

    def slice(self, lo: int, hi: int) -> SourceTable:
        """Features lo..hi-1 as a table of their own (indexes from 0 again)."""
        return dataclasses.replace(
            self,
            columns=[c[lo:hi] for c in self.columns],
            geometries=self.geometries[lo:hi],
            warnings=[],
            geometry_errors={i - lo: r for i, r in self.geometry_errors.items() if lo <= i < hi},
            arrow=None if self.arrow is None else [a.slice(lo, hi - lo) for a in self.arrow],
        )


def configure_gdal() -> None:
    """Keep GDAL's bundled SpatiaLite out of GeoPackages.

    The registry's own SpatiaLite (mod_spatialite, with the system PROJ) lives in the same
    process; GDAL initialising its copy too crashes on closing a GeoPackage.
    """
    pyogrio.set_gdal_config_options({"SPATIALITE_LOAD": "NO"})


def detect_format(path: str | Path) -> str:
    """geojson, csv, gpkg, shapefile or kml, from the file name; ValidationFailed otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise ValidationFailed("file", f"format {suffix or '(none)'!r} not recognised; use {known}")
    return FORMATS[suffix]


def open_options(fmt: str, geometry: dict) -> dict:
    if fmt != "csv":
        return {}
    options = {"KEEP_GEOM_COLUMNS": "NO"}
    if "wkt" in geometry:
        options["GEOM_POSSIBLE_NAMES"] = geometry["wkt"]
    elif "x" in geometry or "y" in geometry:
        options["X_POSSIBLE_NAMES"] = geometry.get("x", CSV_X)
        options["Y_POSSIBLE_NAMES"] = geometry.get("y", CSV_Y)
    else:
        options.update(X_POSSIBLE_NAMES=CSV_X, Y_POSSIBLE_NAMES=CSV_Y, GEOM_POSSIBLE_NAMES=CSV_WKT)
    return options


def read_source(path, layer=None, crs=None, geometry=None) -> SourceTable:
    """Read one layer of a GIS file; coordinates come back as lon/lat (EPSG:4326).

    `crs` overrides the file's own CRS (a CSV declares none); `geometry` names the CSV
    columns ({"x": ..., "y": ...} or {"wkt": ...}). Unreadable files raise ValidationFailed.
    """
    fmt = detect_format(path)
    configure_gdal()
    with reading(path, fmt, layer):
        meta, columns, geoms, errors, arrays = _read(
            str(path), fmt, layer, open_options(fmt, geometry or {})
        )
    declared = crs or meta.get("crs")
    table = SourceTable(
        path=str(path),
        format=fmt,
        fields=[str(f) for f in meta["fields"]],
        columns=columns,
        geometries=geoms,
        crs=declared or "EPSG:4326",
        geometry_errors=errors,
        arrow=arrays,
    )
    table.geometries = _to_lonlat(geoms, declared, table.warnings)
    log.info("read %d features from %s (%s, %s)", len(table), path, fmt, table.crs)
    return table


@contextmanager
def reading(path, fmt: str, layer):
    """GDAL's errors on reading a file as ValidationFailed (its words stay in the log)."""
    try:
        yield
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        log.info("cannot read %s as %s: %s", path, fmt, exc)
        raise ValidationFailed("file", _unreadable(fmt, layer)) from None
    except UnicodeDecodeError:  # GDAL hands a non-UTF-8 header to pyogrio, which decodes it
        raise ValidationFailed("file", NOT_UTF8) from None


def _read(path: str, fmt: str, layer, options: dict) -> tuple[dict, list, np.ndarray, dict, list]:
    """(GDAL's metadata, Python values per field, geometries, why some could not be built,
    the fields as Arrow arrays or None).

    A CSV is read through GDAL's Arrow stream: a third less CPU than feature by feature
    (a second per million rows, time in which the database waits). Only when that gives
    what the feature-by-feature read would: text fields (no .csvt types) and 2D geometries;
    anything else is read again the general way.
    """
    if fmt == "csv":
        meta, table = raw.read_arrow(path, layer=layer, **options)
        width = len(meta["fields"])
        wkb = None
        if table.num_columns > width:  # the geometry column comes after the fields
            wkb = table.column(width).to_numpy(zero_copy_only=False)
        geoms, errors = geometries_of(wkb, table.num_rows)
        if all(t == "OFTString" for t in meta["ogr_types"]) and not shapely.has_z(geoms).any():
            arrays = [table.column(i).combine_chunks() for i in range(width)]
            return meta, [a.to_pylist() for a in arrays], geoms, errors, arrays
    # Dates and times as GDAL's ISO text: converting them to numpy loses a time zone
    # offset and fails outright on a time of 59.9995 s and more (rounded to 60.000).
    meta, _, wkb, columns = raw.read(
        path, layer=layer, force_2d=True, datetime_as_string=True, **options
    )
    count = len(columns[0]) if len(columns) else 0
    return meta, [c.tolist() for c in columns], *geometries_of(wkb, count), None


NOT_UTF8 = "is not UTF-8 text: save it as UTF-8 and import it again"


def _unreadable(fmt: str, layer: str | None) -> str:
    hint = {
        "csv": "a CSV file needs a header row and lon/lat, x/y or wkt columns",
        "shapefile": "a zipped Shapefile needs its .shp, .shx and .dbf inside",
    }.get(fmt, f"check that it is a valid {fmt} file")
    where = f" (layer {layer!r})" if layer else ""
    return f"the file cannot be read as {fmt}{where}: {hint}"


def geometries_of(wkb, count: int) -> tuple[np.ndarray, dict[int, str]]:
    """Shapely geometries per feature, and why some could not be built (not one error for all)."""
    if wkb is None:
        return np.full(count, None, dtype=object), {}
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    broken = np.flatnonzero(shapely.is_missing(geoms) & np.not_equal(wkb, None))
    return geoms, {int(i): _why_broken(wkb[i]) for i in broken}


def _why_broken(wkb: bytes) -> str:
    if len(wkb) >= 9 and wkb[1:5] in (b"\x02\x00\x00\x00", b"\x00\x00\x00\x02"):
        return "a LineString needs at least 2 positions; this one has 1"
    return "the geometry is malformed (a ring or line with too few positions)"


def _parse_crs(text: str) -> CRS:
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise ValidationFailed("crs", f"{text!r} is not a CRS pyproj knows") from None


def _to_lonlat(geoms: np.ndarray, declared: str | None, warnings: list[str]) -> np.ndarray:
    geoms, largest = lonlat_part(geoms, declared)
    warn_if_projected(largest, declared, warnings)
    return geoms


def lonlat_part(geoms: np.ndarray, declared: str | None) -> tuple[np.ndarray, tuple | None]:
    """(the geometries in lon/lat, their largest |x| and |y| when they claim to be lon/lat
    already: see warn_if_projected)."""
    source = _parse_crs(declared) if declared else WGS84
    if source.equals(WGS84, ignore_axis_order=True):
        return geoms, extent(geoms)
    to_wgs84 = Transformer.from_crs(source, WGS84, always_xy=True)

    def reproject(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geoms, reproject), None


def extent(geoms: np.ndarray) -> tuple[float, float] | None:
    """The largest |x| and |y| of the geometries (None when there is no coordinate)."""
    bounds = shapely.bounds(geoms)
    if not len(bounds) or np.isnan(bounds).all():
        return None
    return float(np.nanmax(np.abs(bounds[:, [0, 2]]))), float(np.nanmax(np.abs(bounds[:, [1, 3]])))


def warn_if_projected(largest, declared: str | None, warnings: list[str]) -> None:
    """A warning when lon/lat coordinates reach beyond +-180/+-90 (`largest`: |x|, |y|)."""
    if largest is None:
        return
    biggest_x, biggest_y = largest
    if biggest_x > 180 or biggest_y > 90:
        said = f"declares {declared}" if declared else "declares no CRS (taken as EPSG:4326)"
        message = (
            f"the file {said} but its coordinates look projected "
            f"(|x| up to {biggest_x:.0f}, |y| up to {biggest_y:.0f}); declare the CRS "
            "(mapping `crs:` or --crs)"
        )
        warnings.append(message)
        log.warning(message)
