"""Writes benchmark arrays as CSV or GeoJSON files for import benchmarks."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from seed_data.benchmark import (
    OWNERS,
    RESOURCE_CODE,
    BenchmarkArrays,
    iter_features,
    owner_ref,
)
from seed_data.spec import KINDS

log = logging.getLogger(__name__)

CSV_HEADER = "lon,lat,kind,owner_ref,height_m,antenna_mount_total"


def write_csv(
    path: str | Path,
    arrays: BenchmarkArrays,
    *,
    owner: str | None = None,
    limit: int | None = None,
    chunk: int = 100_000,
) -> int:
    """Write point assets as CSV (`CSV_HEADER` columns); return the number of rows.

    `owner` keeps one owner's assets (an owner imports its own file); `limit` caps the rows.
    Empty cells: no height for the kind, or no antenna mounts.
    """
    p = arrays.points
    keep = np.ones(len(p.ids), dtype=bool) if owner is None else p.owner == OWNERS.index(owner)
    rows = np.flatnonzero(keep)[:limit]
    mounts = np.where(p.resource == RESOURCE_CODE["antenna_mount"], p.total, -1)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(CSV_HEADER + "\n")
        for lo in range(0, len(rows), chunk):
            idx = rows[lo : lo + chunk]
            cols = (
                arrays.lon[idx],
                arrays.lat[idx],
                p.kind[idx],
                p.ids[idx],
                arrays.height[idx],
                mounts[idx],
            )
            lines = [_csv_row(*values) for values in zip(*(c.tolist() for c in cols), strict=True)]
            fh.write("\n".join(lines) + "\n")
    log.info("wrote %d CSV rows to %s", len(rows), path)
    return len(rows)


def _csv_row(lon: float, lat: float, kind: int, asset_id: int, height: float, mounts: int) -> str:
    h = "" if height != height else f"{height:g}"  # height != height: NaN
    m = "" if mounts < 0 else str(mounts)
    return f"{lon:.7f},{lat:.7f},{KINDS[kind]},{owner_ref(kind, asset_id)},{h},{m}"


def write_geojson(
    path: str | Path,
    arrays: BenchmarkArrays,
    *,
    start: int = 0,
    stop: int | None = None,
    lines: bool = True,
) -> int:
    """Stream points[start:stop] (and every line) as a GeoJSON FeatureCollection."""
    n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for feat in iter_features(arrays, start, stop, lines):
            fh.write((",\n" if n else "") + json.dumps(feat, ensure_ascii=False))
            n += 1
        fh.write("\n]}\n")
    log.info("wrote %d features to %s", n, path)
    return n
