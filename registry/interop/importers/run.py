"""One import run: read, validate, compare and store a file as ONE transaction (all or nothing).

    summary = import_file(session_factory, actor, "towers.gpkg", ImportOptions(owner_id=3))

Re-running the same file changes nothing; a changed file updates exactly what changed;
`prune` deletes the owner's assets that the file no longer lists, except those tenants hold
capacity on (reported). With invalid features and no `skip_invalid`, nothing is written.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from registry.access.policy import require_owner
from registry.db.uow import FEED_LOCK_KEY, Actor, UnitOfWork
from registry.errors import ValidationFailed
from registry.interop.importers import parallel
from registry.interop.importers.classify import classify
from registry.interop.importers.known import load_known
from registry.interop.importers.mapping import REPEAT_KEY, Mapping
from registry.interop.importers.prepare import Context
from registry.interop.importers.report import ImportSummary, ReportRow
from registry.interop.importers.sources import SourceTable, read_source
from registry.interop.importers.writer import make_writer
from registry.inventory.models import Organisation, utcnow

log = logging.getLogger(__name__)

IMPORT_LOCK_KEY = FEED_LOCK_KEY + 1
PARALLEL_FROM = 50_000


@dataclass
class ImportOptions:
    """How to import: for which owner, with which mapping, and what to do about bad rows."""

    owner_id: int
    kind: str | None = None
    mapping: Mapping = field(default_factory=Mapping)
    crs: str | None = None
    dry_run: bool = False
    skip_invalid: bool = False
    prune: bool = False
    batch_size: int = 20_000
    workers: int | None = 1  # None: one per CPU for files of PARALLEL_FROM features or more

    def __post_init__(self):
        self.mapping = self.mapping or Mapping()


def import_file(
    session_factory,
    actor: Actor,
    path,
    options: ImportOptions,
    progress: Callable[[int, int], None] | None = None,
    request_id: str | None = None,
) -> ImportSummary:
    """Import one GIS file for one owner; returns the summary with its validation report."""
    started = time.monotonic()
    require_owner(actor, options.owner_id)
    _require_organisation(session_factory, options.owner_id)
    mapping = options.mapping
    table = read_source(path, mapping.layer, options.crs or mapping.crs, mapping.geometry)
    summary = ImportSummary(
        file=str(path),
        format=table.format,
        crs=table.crs,
        owner_id=options.owner_id,
        features=len(table),
        dry_run=options.dry_run,
        warnings=list(table.warnings),
    )
    log.info("read %d features from %s in %.1f s", len(table), path, time.monotonic() - started)
    with _gc_frozen(), UnitOfWork(session_factory, actor, request_id) as uow:
        _run(uow, table, options, summary, progress)
    summary.seconds = round(time.monotonic() - started, 3)
    log.info("import %s: %s in %.1f s", path, summary.line(), summary.seconds)
    return summary


@contextmanager
def _gc_frozen():
    """Keep the cyclic GC from re-scanning millions of source values on every collection."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(uow: UnitOfWork, table: SourceTable, options: ImportOptions, summary, progress) -> None:
    """The transaction: compare, write batch by batch, prune, then commit or roll back."""
    _lock_owner(uow.session, options.owner_id)
    copy_text = not options.dry_run and uow.session.get_bind().dialect.name == "postgresql"
    ctx = _context(table, options, copy_text)
    if progress:
        progress(0, len(table))
    with parallel.batches(ctx, _ranges(len(table), options), _workers(len(table), options)) as bs:
        known = load_known(uow.session, options.owner_id)  # while the workers validate
        writer = None
        if not options.dry_run:
            writer = make_writer(uow.session, options.owner_id, uow.actor, uow.request_id, utcnow())
        seen = _consume(bs, ctx, known, options, summary, writer, progress)
    if options.prune:
        _prune(known, seen, summary, None if _refused(summary, options) else writer)
    if _refused(summary, options) or options.dry_run:
        uow.session.rollback()
        return
    started = time.monotonic()
    if writer is not None:
        writer.finish()
    uow.session.commit()
    summary.committed = True
    log.info("change feed appended and committed in %.1f s", time.monotonic() - started)


def _require_organisation(session_factory, owner_id: int) -> None:
    with session_factory() as session:
        if session.get(Organisation, owner_id) is None:
            raise ValidationFailed("owner_id", f"organisation {owner_id} does not exist")


def _lock_owner(session, owner_id: int) -> None:
    """Two imports for the same owner run one after the other (SQLite serialises anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(IMPORT_LOCK_KEY, owner_id)))
    else:
        session.connection()  # BEGIN IMMEDIATE: the write lock, now


def _context(table: SourceTable, options: ImportOptions, copy_text: bool) -> Context:
    mapping = options.mapping
    keep = np.ones(len(table), dtype=bool)
    if mapping.where:
        keep = np.array([mapping.keeps(table.record(i)) for i in range(len(table))], dtype=bool)
    return Context(
        table,
        mapping,
        options.owner_id,
        options.kind,
        keep,
        _numbered_refs(table, mapping, keep),
        copy_text,
    )


def _numbered_refs(table: SourceTable, mapping: Mapping, keep: np.ndarray) -> dict:
    """Occurrence numbers (0, 1, ...) per ref, in file order, when the mapping asks for them."""
    rule = mapping.repeat_rule
    if rule is None:
        return {}
    counts: dict = {}
    extra = {}
    for i in np.flatnonzero(keep).tolist():
        try:
            base = rule.source_value(table.record(i))
        except ValidationFailed:
            continue
        extra[i] = {REPEAT_KEY: counts.get(base, 0)}
        counts[base] = counts.get(base, 0) + 1
    return extra


def _consume(batches, ctx: Context, known, options, summary, writer, progress) -> set[str]:
    """Classify and write every batch in order; returns every ref the file names."""
    seen: dict[str, int] = {}
    waited = wrote = 0.0
    clock = time.monotonic()
    for batch in batches:
        waited += time.monotonic() - clock
        summary.skipped += batch.skipped
        rows = classify(batch, known, seen, ctx.table)
        summary.report.extend(batch.rejected)
        summary.rejected += len(batch.rejected)
        ops = Counter(s.op for s in rows)
        summary.created += ops["create"]
        summary.updated += ops["update"]
        summary.unchanged += ops["unchanged"]
        clock = time.monotonic()
        if writer is not None and not _refused(summary, options):
            writer.write(rows)
        wrote += time.monotonic() - clock
        if progress:
            progress(batch.size, len(ctx.table))
        clock = time.monotonic()
    log.info("waited %.1f s for validation, %.1f s for writing", waited, wrote)
    return set(seen)


def _ranges(n: int, options: ImportOptions) -> list[tuple[int, int]]:
    return [(lo, min(lo + options.batch_size, n)) for lo in range(0, n, options.batch_size)]


def _workers(n: int, options: ImportOptions) -> int:
    if options.workers is None:
        return (os.cpu_count() or 1) if n >= PARALLEL_FROM else 1
    return options.workers


def _refused(summary: ImportSummary, options: ImportOptions) -> bool:
    return summary.rejected > 0 and not options.skip_invalid


def _prune(known, seen: set[str], summary: ImportSummary, writer) -> None:
    """Delete the owner's assets missing from the file; keep (and report) held ones.

    A rejected feature without a readable owner_ref might be any asset: then nothing is pruned.
    """
    if any(row.owner_ref is None for row in summary.report):
        summary.warnings.append("not pruned: some rejected features have no readable owner_ref")
        return
    missing = sorted(
        (asset_id, ref) for ref, (asset_id, _) in known.by_ref.items() if ref not in seen
    )
    doomed = []
    for asset_id, ref in missing:
        if known.held.get(asset_id):
            units = sum(count for count, _ in known.held[asset_id].values())
            reason = (
                f"asset {asset_id} is not in the file but tenants hold {units} units "
                "on it; not pruned"
            )
            summary.report.append(ReportRow(0, None, ref, "prune", reason))
            summary.kept += 1
        else:
            doomed.append(asset_id)
    summary.deleted = len(doomed)
    if writer is not None and doomed:
        writer.delete(doomed)
