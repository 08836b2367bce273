"""The fixed site queries of the golden reports: a generated registry, varied requests, writes.

`python -m tests.unit.matching.golden_sites` rewrites golden/site_reports.json.gz; run it
only when a report is meant to change (and say why in the commit).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
from shapely.geometry import Point

from bench import workload
from bench.dataset import OWNER_NAMES, ArraySource, Dataset
from matching import AssetIndex, SiteRequest, match_site
from seed_data import benchmark

GOLDEN = Path(__file__).with_name("golden") / "site_reports.json.gz"
N_POINTS, N_LINES, N_QUERIES, N_WRITES = 60_000, 3_000, 180, 3_000
VARIANTS = (
    {"needs": {"antenna_mount": 1}},
    {"needs": {"antenna_mount": 2}, "min_height_m": 25.0},
    {"needs": {"antenna_mount": 1}, "min_height_m": 10.0, "limit": 3},
    {"needs": {"attachment": 1}, "radius_m": 300.0},
    {"needs": {"antenna_mount": 1}, "kinds": {"pole", "rooftop"}, "limit": 25},
    {"needs": {"antenna_mount": 1}, "sectors": {"tower_company", "power"}, "radius_m": 2000.0},
)


def template(k: int) -> SiteRequest:
    """Variant k as a request (its location is a placeholder)."""
    variant = dict(VARIANTS[k])
    radius = variant.pop("radius_m", 500.0)
    return SiteRequest(Point(0.0, 0.0), radius, **variant)


def requests(dataset: Dataset) -> list[SiteRequest]:
    """N_QUERIES site requests near the generated assets, cycling through the variants."""
    rng = np.random.default_rng(11)
    out = []
    for k, (lon, lat) in enumerate(workload.site_locations(dataset, N_QUERIES, rng).tolist()):
        variant = dict(VARIANTS[k % len(VARIANTS)])
        radius = variant.pop("radius_m", 500.0)
        out.append(SiteRequest(Point(lon, lat), radius, **variant))
    return out


def reports() -> list[dict]:
    """Every request's report on a fresh index, then again after N_WRITES caught-up writes."""
    # 60 km across: as dense as the 1 M benchmark registry is over its 600 km.
    dataset = Dataset(benchmark.generate_arrays(N_POINTS, N_LINES, extent_km=60.0))
    source = ArraySource(dataset)
    index = AssetIndex(source, rebuild_in_background=False)
    index.load(*dataset.tables(), OWNER_NAMES, source.current_seq())
    asked = requests(dataset)
    out = [match_site(index, r).to_dict() for r in asked]
    workload.apply_changes(source, N_WRITES, np.random.default_rng(12))
    out += [match_site(index, r).to_dict() for r in asked]
    return out


def dumps(found: list[dict]) -> str:
    return "\n".join(json.dumps(r, sort_keys=True) for r in found) + "\n"


def load() -> str:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        return fh.read()


if __name__ == "__main__":
    with gzip.open(GOLDEN, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(dumps(reports()))
