"""Writing an audit's results: plans and candidates as CSV, GeoJSON or GeoParquet, and a
summary.json."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from registry.batch.audit import AuditResult

FORMATS = ("csv", "geojson", "parquet")


def _plain(value):
    """JSON/CSV-ready scalars: numpy numbers as Python ones, nan as None."""
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and value != value else value


def _rows(columns: dict) -> list[dict]:
    names = list(columns)
    values = [columns[n].tolist() for n in names]
    return [dict(zip(names, map(_plain, row), strict=True)) for row in zip(*values, strict=True)]


def _write_csv(path: Path, columns: dict) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(_rows(columns))


def _write_geojson(path: Path, columns: dict) -> None:
    features = []
    for row in _rows(columns):
        lon, lat = row.pop("lon"), row.pop("lat")
        geometry = {"type": "Point", "coordinates": [lon, lat]}
        features.append({"type": "Feature", "geometry": geometry, "properties": row})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")


def _write_parquet(path: Path, columns: dict, geometry: bool) -> None:
    arrays = {k: pa.array(v.tolist() if v.dtype == object else v) for k, v in columns.items()}
    meta = None
    if geometry:
        points = shapely.points(columns["lon"], columns["lat"])
        arrays["geometry"] = pa.array(shapely.to_wkb(points), pa.binary())
        column = {"encoding": "WKB", "geometry_types": ["Point"]}
        geo = {"version": "1.1.0", "primary_column": "geometry", "columns": {"geometry": column}}
        meta = {b"geo": json.dumps(geo).encode()}
    pq.write_table(pa.table(arrays).replace_schema_metadata(meta), path)


def write(result: AuditResult, out: Path, fmt: str = "csv") -> list[Path]:
    """Write plans.<ext>, candidates.<ext> (same format; candidates carry no geometry in
    GeoJSON, so they go to CSV there) and summary.json into `out`; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    ext = {"csv": "csv", "geojson": "geojson", "parquet": "parquet"}[fmt]
    plans, candidates = (
        out / f"plans.{ext}",
        out / f"candidates.{'csv' if fmt == 'geojson' else ext}",
    )
    if fmt == "csv":
        _write_csv(plans, result.plans)
        _write_csv(candidates, result.candidates)
    elif fmt == "geojson":
        _write_geojson(plans, result.plans)
        _write_csv(candidates, result.candidates)
    else:
        _write_parquet(plans, result.plans, geometry=True)
        _write_parquet(candidates, result.candidates, geometry=False)
    summary = out / "summary.json"
    summary.write_text(json.dumps(result.summary, indent=2, sort_keys=True) + "\n", "utf-8")
    return [plans, candidates, summary]
