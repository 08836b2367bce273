"""A streamed first import on PostGIS: each batch is read and validated while the last loads.

The whole-file import reads and validates every feature before the first row goes to the
database, and the server waits all that time (seconds per million features). A first
import (importers.fresh: every valid feature is a create) needs nothing from the database
to validate, so here a thread reads and validates the file a batch at a time
(importers.batches), carrying over what needs the whole file (the refs seen, for a ref
named twice), while this thread COPYs the batches before it. All or nothing holds as
before: once a feature is rejected (without `skip_invalid`) nothing more is written, the
rest of the file is still validated for the report, and the transaction is rolled back.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import closing

from registry.interop.importers import batches, fresh, run, vector
from registry.interop.importers.fresh import FreshLoad
from registry.interop.importers.report import ImportSummary
from registry.interop.importers.store import Store
from registry.interop.importers.vector import Validated
from registry.inventory.models import utcnow

AHEAD = 2  # validated batches waiting at most (memory: about a batch's rows each)


def wanted(postgres: bool, options) -> bool:
    """Whether an import with these options may be streamed (then `load` decides)."""
    mapping = options.mapping
    return postgres and not (options.dry_run or options.prune) and mapping.repeat_rule is None


def load(uow, path, options, progress) -> ImportSummary | None:
    """Stream the file into the owner's empty registry; None (nothing done) when the owner
    holds assets (then the whole-file import compares them)."""
    run.lock_owner(uow.session, options.owner_id)
    store = Store(uow.session, options.owner_id, uow.actor, uow.request_id, utcnow())
    if not fresh.applies(store, options.dry_run, options.prune):
        return None
    mapping = options.mapping
    with run.gc_paused(), batches.open_batches(path, mapping.layer, options.crs or mapping.crs,
                                               mapping.geometry) as source:  # fmt: skip
        summary = ImportSummary(file=str(path), format=source.format, crs=source.crs,
                                owner_id=options.owner_id)  # fmt: skip
        store.rebuild_spatial_index = options.rebuild_spatial_index
        writer = FreshLoad(store)
        store.tune()
        store.defer_indexes(source.hint, 0)
        writer.start()
        # closing: the reading thread is stopped before the file is closed, also on an error.
        with closing(_ahead(_validated(source.parts, options))) as validated:
            for valid in validated:
                _count(summary, valid, progress, source.hint)
                if not summary.report or options.skip_invalid:
                    writer.add(valid)
        writer.end()
    summary.features, summary.warnings = source.features, list(source.warnings)
    _finish(store, writer, summary, options)
    return summary


def _count(summary: ImportSummary, valid: Validated, progress, hint: int) -> None:
    summary.report.extend(valid.rejected)
    summary.skipped += valid.skipped
    summary.created += len(valid)  # as the whole-file import counts them, even when refused
    if progress:
        progress(len(valid) + len(valid.rejected) + valid.skipped, hint)


def _finish(store: Store, writer: FreshLoad, summary: ImportSummary, options) -> None:
    """Restore the indexes, append the change feed and commit; or roll back when refused."""
    summary.report.sort()
    summary.rejected = len(summary.report)
    if run.refused(summary, options):
        store.session.rollback()
        return
    store.rebuild("asset", "capacity", "audit_log")
    if writer.ids:
        writer.finish()
    store.rebuild("change_feed")
    store.session.commit()
    summary.committed = True


def _validated(parts: Iterator, options) -> Iterator[Validated]:
    """Each batch validated, feature numbers and report rows counted from the file's start,
    a ref already seen in an earlier batch rejected as in one whole file."""
    seen: dict[str, int] = {}
    memo: dict = {}  # each group's properties validated once per file, not once per batch
    offset = 0
    for part in parts:
        ctx = run.context(part, options)
        ctx.memo = memo
        valid = vector.validate(ctx)
        valid.number += offset
        valid.rejected = [
            row._replace(feature=row.feature + offset, line=part.line(row.feature + offset))
            for row in valid.rejected
        ]
        yield run.reject_repeats(valid, part, seen)
        offset += len(part)


def _ahead(items: Iterator, depth: int = AHEAD) -> Iterator:
    """The items, made by a thread of their own up to `depth` ahead of the consumer (which
    waits for the database meanwhile, so the two overlap); its exceptions are raised here."""
    box: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((True, item)):
                    return
            put((False, None))
        except BaseException as exc:  # handed to the consumer, raised there
            put((None, exc))
        finally:
            items.close()

    thread = threading.Thread(target=work, name="import-read", daemon=True)
    thread.start()
    try:
        while True:
            more, item = box.get()
            if more is None:
                raise item
            if not more:
                return
            yield item
    finally:
        stop.set()
        thread.join()
