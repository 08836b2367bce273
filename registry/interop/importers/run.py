"""One import run: read, validate, compare and store a file as ONE transaction (all or nothing).

    summary = import_file(session_factory, actor, "towers.gpkg", ImportOptions(owner_id=3))

Re-running the same file changes nothing; a changed file updates exactly what changed;
`prune` deletes the owner's assets that the file no longer lists, except those tenants hold
capacity on (reported). With invalid features and no `skip_invalid`, nothing is written.
"""

from __future__ import annotations

import gc
import json
import logging
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
from registry.interop.importers import fresh, pipeline, vector
from registry.interop.importers.fresh import FreshLoad
from registry.interop.importers.known import held_by_tenants, held_conflict
from registry.interop.importers.mapping import REPEAT_KEY, Mapping
from registry.interop.importers.prepare import Context
from registry.interop.importers.report import ImportSummary, ReportRow
from registry.interop.importers.sources import SourceTable, read_source
from registry.interop.importers.store import Store
from registry.interop.importers.vector import Validated
from registry.inventory.models import Organisation, utcnow

log = logging.getLogger(__name__)

IMPORT_LOCK_KEY = FEED_LOCK_KEY + 1


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
    # PostGIS: drop the asset table's secondary indexes (the GiST among them) and its foreign
    # key, and restore them once after loading, at the price of an exclusive lock on the table
    # until the commit: readers wait. A batch at least as large as the table does it unasked
    # (registry.interop.importers.deferred). Ignored on SpatiaLite.
    rebuild_spatial_index: bool = False

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
    summary = _streamed(session_factory, actor, path, options, progress, request_id)
    if summary is not None:
        summary.seconds = round(time.monotonic() - started, 3)
        log.info("import %s (streamed): %s in %.1f s", path, summary.line(), summary.seconds)
        return summary
    mapping = options.mapping
    with gc_paused():
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


def _streamed(session_factory, actor, path, options, progress, request_id):
    """A first import on PostGIS, streamed (importers.pipeline); None when it does not apply."""
    with session_factory() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
    if not pipeline.wanted(postgres, options):
        return None
    with UnitOfWork(session_factory, actor, request_id) as uow:
        return pipeline.load(uow, path, options, progress)


@contextmanager
def gc_paused():
    """No cyclic GC while millions of values are read (a fifth of a GeoJSON read's CPU went
    to collections that found nothing), nor while a streamed import's batches come and go."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def _gc_frozen():
    """Keep the cyclic GC from re-scanning millions of source values on every collection."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(uow: UnitOfWork, table: SourceTable, options: ImportOptions, summary, progress) -> None:
    """The transaction: validate, stage, plan, write, prune, then commit or roll back."""
    session = uow.session
    lock_owner(session, options.owner_id)
    if progress:
        progress(0, len(table))
    clock = time.monotonic()
    valid = vector.validate(context(table, options))
    valid = reject_repeats(valid, table)
    summary.skipped = valid.skipped
    log.info("validated %d features in %.1f s", len(table), time.monotonic() - clock)
    clock = time.monotonic()
    store = Store(session, options.owner_id, uow.actor, uow.request_id, utcnow())
    store.rebuild_spatial_index = options.rebuild_spatial_index
    writer = _writer(store, valid, options)
    ops = writer.plan()
    if writer is store:
        ops -= _refuse_held(session, store, options.owner_id, table, valid.rejected)
    log.info("staged and compared in %.1f s: %s", time.monotonic() - clock, dict(ops))
    summary.report = sorted(valid.rejected)
    summary.rejected = len(valid.rejected)
    summary.created, summary.updated, summary.unchanged = (
        ops["create"], ops["update"], ops["unchanged"])  # fmt: skip
    if progress:
        progress(len(table), len(table))
    doomed = _prune(store, valid, summary) if options.prune else []
    if refused(summary, options) or options.dry_run:
        session.rollback()
        return
    clock = time.monotonic()
    store.defer_indexes(ops["create"] + ops["update"], len(doomed))
    writer.write()
    if doomed:
        store.delete(doomed)
    store.rebuild("asset", "capacity", "audit_log")
    if ops["create"] or ops["update"] or doomed:
        writer.finish()
    store.rebuild("change_feed")  # after the feed's rows, under its lock
    session.commit()
    summary.committed = True
    store.discard()
    log.info("written, audited and committed in %.1f s", time.monotonic() - clock)


def _writer(store: Store, valid: Validated, options: ImportOptions) -> Store | FreshLoad:
    """The owner's first import on PostGIS is COPYed straight into the tables; any other is
    staged and compared."""
    if fresh.applies(store, options.dry_run, options.prune):
        return FreshLoad(store, valid)
    store.stage(valid)
    return store


def reject_repeats(valid: Validated, table: SourceTable, first: dict | None = None) -> Validated:
    """A ref named twice: the later features are rejected (also after an invalid first one).

    `first` ({ref: feature number}) carries the refs of the earlier batches of a streamed
    file, and gets this batch's."""
    carry, first = first is not None, {} if first is None else first
    for row in valid.rejected:
        if row.owner_ref:
            first.setdefault(row.owner_ref, row.feature)
    distinct = set(valid.refs)
    # keys().isdisjoint walks the smaller side (set.isdisjoint(dict) walks the whole dict).
    if len(distinct) == len(valid.refs) and first.keys().isdisjoint(distinct):
        # No ref twice: the common case, without a loop over every feature.
        if carry:
            first.update(zip(valid.refs, valid.number.tolist(), strict=True))
        return valid
    keep = np.ones(len(valid), dtype=bool)
    for i, (number, ref) in enumerate(zip(valid.number.tolist(), valid.refs, strict=True)):
        seen = first.setdefault(ref, number)
        if seen < number:
            keep[i] = False
            reason = f"{ref!r} appears earlier in the file (feature {seen})"
            valid.rejected.append(
                ReportRow(number, table.line(number), ref, "properties.owner_ref", reason)
            )
    return valid if keep.all() else valid.take(keep)


def _refuse_held(session, store: Store, owner_id: int, table, rejected: list) -> Counter:
    """Updates that would take away capacity tenants hold are rejected; returns their count."""
    held = held_by_tenants(session, owner_id)
    refused = []
    for number, ref, asset_id, capacity in store.updates_of(sorted(held)):
        capacity = json.loads(capacity) if isinstance(capacity, str) else capacity
        problem = held_conflict(held[asset_id], capacity)
        if problem:
            refused.append(number)
            rejected.append(ReportRow(number, table.line(number), ref, *problem))
    store.refuse(refused)
    return Counter({"update": len(refused)})


def _require_organisation(session_factory, owner_id: int) -> None:
    with session_factory() as session:
        if session.get(Organisation, owner_id) is None:
            raise ValidationFailed("owner_id", f"organisation {owner_id} does not exist")


def lock_owner(session, owner_id: int) -> None:
    """Two imports for the same owner run one after the other (SQLite serialises anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(IMPORT_LOCK_KEY, owner_id)))
    else:
        session.connection()  # BEGIN IMMEDIATE: the write lock, now


def context(table: SourceTable, options: ImportOptions) -> Context:
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


def refused(summary: ImportSummary, options: ImportOptions) -> bool:
    return summary.rejected > 0 and not options.skip_invalid


def _prune(store: Store, valid: Validated, summary: ImportSummary) -> list[int]:
    """The owner's assets missing from the file, to delete; held ones are kept (reported).

    A rejected feature without a readable owner_ref might be any asset: then nothing is pruned.
    """
    if any(row.owner_ref is None for row in summary.report):
        summary.warnings.append("not pruned: some rejected features have no readable owner_ref")
        return []
    named = {row.owner_ref for row in summary.report}
    held = held_by_tenants(store.session, summary.owner_id)
    doomed = []
    for asset_id, ref in store.missing():
        if ref in named:
            continue
        if held.get(asset_id):
            units = sum(count for count, _ in held[asset_id].values())
            reason = (
                f"asset {asset_id} is not in the file but tenants hold {units} units "
                "on it; not pruned"
            )
            summary.report.append(ReportRow(0, None, ref, "prune", reason))
            summary.kept += 1
        else:
            doomed.append(asset_id)
    summary.deleted = len(doomed)
    return doomed
