"""Validating batches in forked worker processes: the CPU-heavy part of a big import.

The workers only map and validate in-memory rows (registry.interop.importers.prepare); the parent
keeps the one database transaction, reads what the registry holds while they start, and
writes the batches in file order as they arrive.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager

from registry.interop.importers.prepare import Batch, Context, prepare

log = logging.getLogger(__name__)

_CONTEXT: Context | None = None  # set in the parent just before the fork; read by workers


def _worker_init() -> None:
    # A worker's garbage is acyclic tuples and dicts, freed by reference counting; the cyclic
    # collector would only re-scan the inherited source table, again and again.
    gc.disable()


def _prepare_range(bounds: tuple[int, int]) -> Batch:
    assert _CONTEXT is not None
    return prepare(_CONTEXT, *bounds)


@contextmanager
def batches(ctx: Context, ranges: list[tuple[int, int]], workers: int):
    """Yields an iterator of Batches, one per (lo, hi) range, in order.

    With workers > 1 the processes are forked and start at once, so the caller can do other
    work (read the registry) before it takes the first batch. Forking is only safe in a
    single-threaded process: web requests use workers=1 (validation in this process, lazily).
    """
    if workers <= 1 or len(ranges) < 2:
        yield (prepare(ctx, lo, hi) for lo, hi in ranges)
        return
    global _CONTEXT
    _CONTEXT = ctx
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_init) as pool:
            log.info("validating %d batches in %d processes", len(ranges), workers)
            results: Iterator[Batch] = pool.imap(_prepare_range, ranges)
            yield results
    finally:
        _CONTEXT = None
