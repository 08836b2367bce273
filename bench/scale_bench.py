"""The 10 M site p50 beside the 1 M one, timed in alternating blocks of the same minutes.

Why: a site query does the same work at 10 M as at 1 M (~30 candidates from ~25-30 tree
leaves, one tree level more) on ten times the memory, so it waits on memory more, and how
long depends on what the shared machine does meanwhile. Measured in CPU time with 2000 sites
(tenm, 2026-11-29): the 10 M p50 was 1.02-1.09x the 1 M one at load 1-4 and 1.1-1.27x at
load 5-10, with or without huge pages; and the same 10 M index, asked the same queries
twice a minute apart at load 9, gave 146 µs then 104 µs. The evening run's 1.61x compared a
1 M figure with a 10 M one taken minutes later. Alternating blocks of 100 queries between
the two indexes gives both the same neighbours. It does not remove where the memory landed:
two copies of one 10 M index in one process, queried alternately, gave 112 and 185 µs.
"""

from __future__ import annotations

from functools import partial

from bench import workload
from bench.dataset import OWNER_NAMES, ArraySource, Dataset
from bench.engine_bench import timed
from bench.report import Figures, percentiles
from matching import AssetIndex, match_site
from matching.ingest import from_columns

BLOCK = 100  # queries per turn: long enough to be in an index's steady state
WARM = 100


def _nothing(report) -> None:
    return None  # `timed` keeps a summary of each report; here none is needed


def alternating(indexes: list[AssetIndex], requests: list[list]) -> list[tuple[list, list]]:
    """(wall, CPU) seconds per query for each index and its requests, timed in alternating
    blocks of `BLOCK` queries after a warm-up of `WARM` on each."""
    for index, asked in zip(indexes, requests, strict=True):
        timed(partial(match_site, index), asked[:WARM], _nothing, warm=0)
    out: list[tuple[list, list]] = [([], []) for _ in indexes]
    for start in range(0, min(map(len, requests)), BLOCK):
        for (wall, cpu), index, asked in zip(out, indexes, requests, strict=True):
            w, c, _ = timed(partial(match_site, index), asked[start : start + BLOCK], _nothing, 0)
            wall += w
            cpu += c
    return out


def side_by_side(
    small: tuple[Dataset, AssetIndex],
    big: tuple[Dataset, AssetIndex],
    n: int,
    figures: Figures,
    rng,
) -> None:
    """The TARGET: site p50 of the big registry within 1.5x of the small one's, both timed in
    alternating blocks (`alternating`) on `n` sites each."""
    requests = [
        workload.site_requests(workload.site_locations(dataset, n, rng))
        for dataset, _ in (small, big)
    ]
    (small_wall, small_cpu), (big_wall, big_cpu) = alternating([small[1], big[1]], requests)
    labels = [f"{dataset.n_points / 1e6:g} M points" for dataset, _ in (small, big)]
    p50 = percentiles(small_wall)[0]
    note = f"{n} sites each, in alternating blocks of {BLOCK}"
    figures.add(f"scale: site match p50 at {labels[0]}, side by side", p50, "us", note=note)
    figures.add(f"scale: site match CPU p50 at {labels[0]}, side by side",
                percentiles(small_cpu)[0], "us")  # fmt: skip
    figures.add(f"scale: site match p50 at {labels[1]}, side by side",
                percentiles(big_wall)[0], "us", 1.5 * p50, key="site_match_p50_10M",
                note=f"target: 1.5x the {labels[0]} p50 timed beside it")  # fmt: skip
    figures.add(f"scale: site match CPU p50 at {labels[1]}, side by side",
                percentiles(big_cpu)[0], "us")  # fmt: skip


def load(dataset: Dataset) -> AssetIndex:
    """An index of the whole registry, loaded from its columns as the scale part loads."""
    source = ArraySource(dataset)
    index = AssetIndex(source)
    points = from_columns(dataset.point_columns(), line=False)
    lines = from_columns(dataset.line_columns(copy=True), line=True)
    index.load(points, lines, OWNER_NAMES, source.current_seq())
    return index
