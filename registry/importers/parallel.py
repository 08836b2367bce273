"""Validating batches in forked worker processes: the CPU-heavy part of a big import.

The workers only map and validate in-memory rows (registry.importers.prepare); the parent
keeps the one database transaction and writes the batches in file order as they arrive.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Iterator

from registry.importers.prepare import Batch, Context, prepare

log = logging.getLogger(__name__)

_CONTEXT: Context | None = None  # set in the parent just before the fork; read by workers


def _worker_init() -> None:
    # A worker's garbage is acyclic tuples and dicts, freed by reference counting; the cyclic
    # collector would only re-scan the inherited source table, again and again.
    gc.disable()
    # The parent and the database server are the critical path (they write in file order);
    # workers run ahead, so they yield the CPU to them.
    os.nice(5)


def _prepare_range(bounds: tuple[int, int]) -> Batch:
    assert _CONTEXT is not None
    return prepare(_CONTEXT, *bounds)


def prepare_all(ctx: Context, ranges: list[tuple[int, int]], workers: int) -> Iterator[Batch]:
    """Batches for each (lo, hi) range, in order; in `workers` forked processes when > 1.

    Forking is only safe in a single-threaded process, so web requests use workers=1.
    """
    if workers <= 1 or len(ranges) < 2:
        for lo, hi in ranges:
            yield prepare(ctx, lo, hi)
        return
    global _CONTEXT
    _CONTEXT = ctx
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
            log.info("validating %d batches in %d processes", len(ranges), workers)
            yield from pool.imap(_prepare_range, ranges)
    finally:
        _CONTEXT = None
