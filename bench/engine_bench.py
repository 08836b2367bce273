"""The matching engine on the benchmark registry: build, RSS, site and route latency, catch-up."""

from __future__ import annotations

import contextlib
import ctypes
import gc
import time

import numpy as np

from bench import workload
from bench.dataset import OWNER_NAMES, ArraySource, Dataset
from bench.report import Figures, percentiles
from matching import AssetIndex, match_route, match_site
from matching.ingest import from_columns, ingest
from matching.ragged import Ragged

PAGE = 4096
TARGET_BUILD_S, TARGET_SITE_US, TARGET_ROUTE_US = 2.0, 150.0, 1_000.0
TARGET_CATCH_UP_S, TARGET_RSS_MB = 1.0, 300.0


def rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE / 2**20


def settle() -> float:
    """Collect garbage, give freed heap back to the OS, and return the process RSS in MB."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return rss_mb()


def build_points_only(dataset: Dataset, figures: Figures) -> None:
    """Index build for the points alone: engine columns -> STR order -> bulk-loaded tree."""
    columns = dataset.point_columns()
    source = ArraySource(dataset)
    start = time.perf_counter()
    index = AssetIndex(source)
    index.load(
        from_columns(columns, line=False),
        ingest((), {}, line=True),
        OWNER_NAMES,
        source.current_seq(),
    )
    seconds = time.perf_counter() - start
    figures.add(
        f"index build {dataset.n_points:,} points", seconds, "s",
        TARGET_BUILD_S if dataset.n_points >= 1_000_000 else None,
        note="bulk load from columns, no AssetRecords", key="index_build_1M_points",
    )  # fmt: skip


def build_full(dataset: Dataset, source: ArraySource, figures: Figures) -> AssetIndex:
    """Index of points and lines; its RSS is what the process grows by while building it."""
    before = settle()
    start = time.perf_counter()
    point_columns, line_columns = dataset.point_columns(), dataset.line_columns(copy=True)
    figures.add("engine columns from generator arrays", time.perf_counter() - start, "s",
                note="data preparation, not part of the build")  # fmt: skip
    start = time.perf_counter()
    index = AssetIndex(source)
    points, lines = from_columns(point_columns, line=False), from_columns(line_columns, line=True)
    index.load(points, lines, OWNER_NAMES, source.current_seq())
    figures.add(
        f"index build {dataset.n_points:,} points + {dataset.n_lines:,} lines",
        time.perf_counter() - start, "s",
    )  # fmt: skip
    del point_columns, line_columns, points, lines
    after = settle()
    million = dataset.n_points >= 1_000_000
    figures.add(
        f"index RSS ({dataset.n_points + dataset.n_lines:,} assets)", after - before, "MB",
        TARGET_RSS_MB if million else None, note="RSS delta of the build",
        key="index_RSS_1M_points_200k_lines" if million else "",
    )  # fmt: skip
    figures.add("index arrays", index_bytes(index) / 2**20, "MB",
                note="numpy columns and line boxes, without the trees")  # fmt: skip
    figures.add("process RSS with index and generator arrays", after, "MB")
    return index


def index_bytes(index: AssetIndex) -> int:
    """Bytes held in the numpy arrays of the index's tables (a check on the RSS delta)."""
    total, seen = 0, set()
    gen = index._gen  # a benchmark may look inside
    for table in gen.tables():
        for value in vars(table).values():
            arrays = [value] if isinstance(value, np.ndarray) else []
            if isinstance(value, Ragged):
                arrays = [value.offsets, value.values]
            for array in arrays:
                if id(array) not in seen:
                    seen.add(id(array))
                    total += array.nbytes
    return total + (0 if gen.line_buckets is None else gen.line_buckets.nbytes)


def timed(call, requests, summary=len, warm: int = 100) -> tuple[list, list, list]:
    """Wall and thread-CPU seconds of `call(request)` for each request, after a warm-up,
    and `summary(result)` of each: keeping thousands of reports alive would make the
    garbage collector's full passes, and so the queries, slower than in a server."""
    for request in requests[:warm]:
        call(request)
    wall, cpu, out = [], [], []
    for request in requests:
        t0, c0 = time.perf_counter(), time.thread_time()
        result = call(request)
        c1, t1 = time.thread_time(), time.perf_counter()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)
        out.append(summary(result))
        del result
    return wall, cpu, out


def _suggestions(report) -> int:
    return len(report["candidates"] if isinstance(report, dict) else report.candidates)


def site_latency(index: AssetIndex, requests, figures: Figures, label: str = "") -> float:
    wall, cpu, counts = timed(lambda r: match_site(index, r), requests, _suggestions)
    p50, p99 = percentiles(wall)
    suggestions = np.mean(counts)
    note = f"{len(requests)} sites, {suggestions:.1f} suggestions on average"
    figures.add(f"site match p50{label}", p50, "us", TARGET_SITE_US if not label else None,
                key="site_match_p50" if not label else "", note=note)  # fmt: skip
    figures.add(f"site match p99{label}", p99, "us")
    figures.add(f"site match CPU p50{label}", percentiles(cpu)[0], "us",
                note="thread time: without waiting for the shared CPUs")  # fmt: skip
    return p50


def site_with_json(index: AssetIndex, requests, figures: Figures) -> None:
    wall, _, _ = timed(lambda r: match_site(index, r).to_dict(), requests, _suggestions)
    figures.add("site match + report.to_dict() p50", percentiles(wall)[0], "us")


def route_latency(index: AssetIndex, requests, figures: Figures) -> float:
    wall, cpu, summaries = timed(
        lambda r: match_route(index, r), requests, lambda r: (len(r.candidates), r.coverage_ratio),
        warm=30,
    )  # fmt: skip
    p50, p99 = percentiles(wall)
    rows, ratio = np.mean(summaries, axis=0)
    figures.add("route match p50", p50, "us", TARGET_ROUTE_US, key="route_match_p50",
                note=f"{len(requests)} routes of 10 km, {rows:.1f} suggestions, "
                f"coverage {ratio:.0%} on average")  # fmt: skip
    figures.add("route match p99", p99, "us")
    figures.add("route match CPU p50", percentiles(cpu)[0], "us")
    return p50


def catch_up(index: AssetIndex, source: ArraySource, n: int, figures: Figures, rng) -> None:
    """Write `n` changes through the source, then time the catch-up that applies them."""
    counts = workload.apply_changes(source, n, rng)
    start = time.perf_counter()
    index.catch_up()
    seconds = time.perf_counter() - start
    stats = index.stats()
    mix = ", ".join(f"{v} {k}" for k, v in counts.items())
    figures.add(f"catch-up {n:,} changes", seconds, "s", TARGET_CATCH_UP_S if n >= 10_000 else None,
                key="catch_up_10k_changes",
                note=f"{mix}; deltas {stats['delta_points']} points, "
                f"{stats['delta_lines']} lines; {stats['dead']} tombstones")  # fmt: skip
    start = time.perf_counter()
    for _ in range(1000):
        index.catch_up()
    figures.add("catch-up with nothing new", (time.perf_counter() - start) * 1e3, "us")
