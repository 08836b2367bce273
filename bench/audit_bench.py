"""The avoidable-build audit: planned sites against the registry on a 2-worker LocalCluster,
with the single-process time beside it (`python -m bench.audit_bench --help`).

Default: 1 M planned sites against 10 M point assets (the issue's target: the Dask run
should beat the single process; both must give the same rows). `--quick` runs 20 k plans
against 200 k assets to check that the code works.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import workload
from bench.dataset import OWNER_NAMES, Dataset
from bench.report import Figures, target_line
from matching.requests import SiteRequest
from registry.batch import audit
from registry.batch.snapshot import write_snapshot


def plans_for(dataset: Dataset, n: int, rng) -> audit.Plans:
    """n planned sites near existing ones (the benchmark's site workload), 500 m, 1 mount."""
    locations = workload.site_locations(dataset, n, rng)
    template: SiteRequest = workload.site_requests(locations[:1])[0]
    ids = np.arange(n).astype(str).astype(object)
    group = np.zeros(n, dtype=np.int64)
    return audit.Plans(ids, locations[:, 0], locations[:, 1], group, [template])


def run(
    n_assets: int, n_plans: int, figures: Figures, workers: int = 2, rng=None, provinces: int = 1
) -> None:
    rng = rng or np.random.default_rng(2025)
    dataset = Dataset.generate(n_assets, 0, provinces)
    plans = plans_for(dataset, n_plans, rng)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "registry.parquet"
        start = time.perf_counter()
        points, _ = dataset.tables()
        write_snapshot(path, points, OWNER_NAMES, seq=1)
        del points
        seconds = time.perf_counter() - start
        figures.add(f"audit: GeoParquet snapshot of {n_assets:,} assets", seconds, "s",
                    note="written once; counted in neither run below, both read it")  # fmt: skip
        t0, c0 = time.perf_counter(), time.process_time()
        single = audit.run_single(plans, path)
        single_s = time.perf_counter() - t0
        figures.add(f"audit: {n_plans:,} plans, single process", single_s, "s",
                    note=f"CPU {time.process_time() - c0:.1f} s")  # fmt: skip
        t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
        tiled = audit.run_dask(plans, path, workers=workers)  # with cluster start and warm-up
        dask_s = time.perf_counter() - t0
        cpu = (f"CPU {time.process_time() - c0:.1f} s driver and scheduler "
               f"+ {_children_cpu() - k0:.1f} s worker processes")  # fmt: skip
        big = n_plans >= 1_000_000 and n_assets >= 10_000_000
        figures.add(f"audit: {n_plans:,} plans, Dask LocalCluster {workers} workers", dask_s, "s",
                    single_s if big else None, key="audit_1M_plans_10M_assets_dask" if big else "",
                    note=f"target: faster than the single process; {cpu}")  # fmt: skip
    differing = [
        f"{part}.{k}"
        for part in ("plans", "candidates")
        for k in getattr(single, part)
        if not _same(getattr(single, part)[k], getattr(tiled, part)[k])
    ]
    figures.add("audit: columns differing between Dask and single process", len(differing),
                "columns", 0, key="audit_dask_equals_single", note=" ".join(differing))  # fmt: skip
    s = tiled.summary
    figures.note(f"audit summary: {s['could_share']:,} of {s['plans']:,} could share, "
                 f"{s['money_avoidable']:,.0f} {s['currency']} avoidable")  # fmt: skip


def _children_cpu() -> float:
    """CPU seconds of the finished child processes (the LocalCluster's nannies and workers)."""
    t = os.times()
    return t.children_user + t.children_system


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m bench.audit_bench", description=__doc__.splitlines()[0]
    )
    p.add_argument("--assets", type=int, default=10_000_000)
    p.add_argument("--plans", type=int, default=1_000_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--provinces", type=int, default=10, help="1 M-like provinces side by side")
    p.add_argument("--quick", action="store_true", help="20 k plans against 200 k assets")
    args = p.parse_args(argv)
    if args.quick:
        args.assets, args.plans = min(args.assets, 200_000), min(args.plans, 20_000)
    figures = Figures()
    provinces = 1 if args.quick else args.provinces
    run(args.assets, args.plans, figures, args.workers, provinces=provinces)
    for figure in figures.targets():
        print(target_line(figure))
    return 0


if __name__ == "__main__":
    sys.exit(main())
