"""`masked_query` audit entries buffered per process and written in one transaction a second.

A `near` or `bbox` list that touches assets the caller sees masked is audited (the entry:
registry.access.masking.probe_details), so that probing is visible. Committing that entry in
the request cost a write transaction per list (on SQLite every one queued on the database's
single write lock). Here the request only appends the entry, with its own time, to a list;
a flusher thread writes what is pending at least every `interval_s` seconds, all in one
transaction, and `flush()` runs at exit (atexit, and gunicorn's worker_exit). The entries are
the same, one per query, in order; a process killed with SIGKILL loses at most the last
interval's entries (documented in README.md).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref

import sqlalchemy as sa

from registry.access.masking import probe_details, probe_subject
from registry.db.uow import Actor, UnitOfWork
from registry.inventory.models import AuditEntry, utcnow

log = logging.getLogger(__name__)

FLUSH_EVERY_S = 1.0
# Entries kept while the database refuses them (then written once it is back); beyond, the
# oldest are dropped with an error in the log rather than growing without bound.
MAX_PENDING = 50_000
WRITER = Actor.system("probe log")

_LOGS: weakref.WeakSet = weakref.WeakSet()


class ProbeLog:
    """`record(...)` from a request; the entries reach the audit log within `interval_s`."""

    def __init__(self, session_factory, interval_s: float = FLUSH_EVERY_S) -> None:
        self._factory = session_factory
        self.interval_s = interval_s
        self._pending: list[dict] = []
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self._lock = threading.Lock()  # guards _pending and _thread
        self._write_lock = threading.Lock()  # one flush at a time, so ids follow query order
        _LOGS.add(self)

    def record(self, actor, where: str, spatial: dict, masked_ids: list[int], request_id=None):
        """Queue one `masked_query` entry, timed now."""
        entry = {
            "at": utcnow(),
            "actor": actor.name,
            "request_id": request_id,
            "object_type": "masked_query",
            "object_id": str(probe_subject(actor)),
            "action": "spatial_filter",
            "after": probe_details(where, spatial, masked_ids),
        }
        self._after_fork()
        with self._lock:
            self._pending.append(entry)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="probe-log", daemon=True)
                self._thread.start()

    def _after_fork(self) -> None:
        """A forked child inherits neither the thread nor safe locks: start afresh."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self._lock, self._write_lock = threading.Lock(), threading.Lock()
            self._pending, self._thread = [], None

    def _run(self) -> None:
        """Flush every interval while there is something to write, then end (a process
        that stops probing keeps no idle thread); record() starts a new one."""
        stop = threading.Event()
        while True:
            stop.wait(self.interval_s)
            self.flush()
            with self._lock:
                if not self._pending:
                    self._thread = None
                    return

    def flush(self) -> int:
        """Write every pending entry in one transaction; returns how many were written."""
        with self._write_lock:
            with self._lock:
                entries, self._pending = self._pending, []
            if not entries:
                return 0
            try:
                with UnitOfWork(self._factory, WRITER) as uow:
                    uow.session.execute(sa.insert(AuditEntry), entries)
                    uow.commit()
            except Exception:
                log.exception("could not write %d masked_query audit entries", len(entries))
                self._requeue(entries)
                return 0
            return len(entries)

    def _requeue(self, entries: list[dict]) -> None:
        with self._lock:
            self._pending[:0] = entries
            if len(self._pending) > MAX_PENDING:
                lost = len(self._pending) - MAX_PENDING
                log.error("dropping the %d oldest masked_query audit entries", lost)
                del self._pending[:lost]


@atexit.register
def _flush_all() -> None:
    """At interpreter exit (a worker's normal end too): write what every log holds."""
    for probe_log in list(_LOGS):
        if probe_log._pid == os.getpid():
            probe_log.flush()
