"""The fixed route queries of the golden route reports: a generated registry, varied requests.

The stored reports were written by the numpy linear referencing (before the compiled route
kernels, `matching.kernels_route`); `test_route_golden` checks the engine still gives them
byte for byte. `python -m tests.unit.matching.golden_routes` rewrites
golden/route_reports.json.gz; run it only when a report is meant to change (and say why).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from bench import workload
from bench.dataset import OWNER_NAMES, ArraySource, Dataset
from matching import AssetIndex, RouteRequest, match_route
from seed_data import benchmark

GOLDEN = Path(__file__).with_name("golden") / "route_reports.json.gz"
N_POINTS, N_LINES, N_ROUTES = 60_000, 12_000, 120
VARIANTS = (
    {"corridor_m": 50.0, "needs": {"fiber_core": 12}},
    {"corridor_m": 20.0, "needs": {"fiber_core": 2}, "limit": 3},
    {"corridor_m": 100.0, "needs": {"subduct": 1}, "share_threshold": 0.5},
    {"corridor_m": 50.0, "needs": {"attachment": 1}, "limit": 25},
    {"corridor_m": 200.0, "needs": {"fiber_core": 1}},
)


def requests(dataset: Dataset) -> list[RouteRequest]:
    """N_ROUTES 10 km street-following routes, cycling through the variants."""
    rng = np.random.default_rng(21)
    out = []
    for k, route in enumerate(workload.route_lines(dataset, N_ROUTES, rng)):
        out.append(RouteRequest(route, **VARIANTS[k % len(VARIANTS)]))
    return out


def reports() -> list[dict]:
    # 60 km across: denser than the 1 M benchmark registry is over its 600 km.
    dataset = Dataset(benchmark.generate_arrays(N_POINTS, N_LINES, extent_km=60.0))
    source = ArraySource(dataset)
    index = AssetIndex(source, rebuild_in_background=False)
    index.load(*dataset.tables(), OWNER_NAMES, source.current_seq())
    return [match_route(index, r).to_dict() for r in requests(dataset)]


def dumps(found: list[dict]) -> str:
    return "\n".join(json.dumps(r, sort_keys=True) for r in found) + "\n"


def load() -> str:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as fh:
        return fh.read()


if __name__ == "__main__":
    with gzip.open(GOLDEN, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write(dumps(reports()))
