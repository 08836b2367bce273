"""Probe audit entries are buffered per process, then written in order, with their own times,
by the flusher thread within its interval, by flush() at exit, and kept while the database
refuses them."""

from __future__ import annotations

import sqlalchemy as sa

from registry.db.uow import Actor
from registry.history import probe_log as module
from registry.history.probe_log import ProbeLog
from registry.inventory.models import AuditEntry

OPERATOR = Actor(name="op token", org_id=7, roles=frozenset({"operator"}))


def _entries(session_factory) -> list[AuditEntry]:
    with session_factory() as session:
        stmt = sa.select(AuditEntry).where(AuditEntry.object_type == "masked_query")
        return list(session.scalars(stmt.order_by(AuditEntry.id)))


def _record(log: ProbeLog, radius: float, ids=(3,)) -> None:
    spatial = {"near": [108.3, 22.8], "radius_m": radius}
    log.record(OPERATOR, "/api/v1/assets", spatial, list(ids), request_id=f"r{radius:g}")


def test_entries_wait_for_the_flush_then_land_in_one_go_in_query_order(session_factory):
    log = ProbeLog(session_factory, interval_s=3600)  # the thread will not flush in this test
    for radius in (500.0, 250.0, 125.0):
        _record(log, radius, ids=(9, 3))
    assert _entries(session_factory) == []
    assert log.flush() == 3
    entries = _entries(session_factory)
    assert [e.after["filter"]["radius_m"] for e in entries] == [500.0, 250.0, 125.0]
    assert [e.request_id for e in entries] == ["r500", "r250", "r125"]
    assert {(e.actor, e.object_id, e.action) for e in entries} == {
        ("op token", "7", "spatial_filter")
    }
    assert all(e.after["masked_asset_ids"] == [3, 9] for e in entries)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert log.flush() == 0


def test_the_flusher_thread_writes_within_its_interval_and_then_ends(session_factory):
    log = ProbeLog(session_factory, interval_s=0.05)
    _record(log, 500.0)
    thread = log._thread
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert [e.after["filter"]["radius_m"] for e in _entries(session_factory)] == [500.0]
    _record(log, 250.0)  # a new thread for the next entry
    log._thread.join(timeout=30)
    assert [e.after["filter"]["radius_m"] for e in _entries(session_factory)] == [500.0, 250.0]


def test_the_exit_hook_writes_what_is_pending(session_factory):
    log = ProbeLog(session_factory, interval_s=3600)
    _record(log, 500.0)
    module._flush_all()
    assert len(_entries(session_factory)) == 1


def test_entries_are_kept_while_the_database_refuses_them(session_factory):
    calls = []

    def broken():
        calls.append(1)
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is down"))

    log = ProbeLog(broken, interval_s=3600)
    _record(log, 500.0)
    assert log.flush() == 0 and calls
    log._factory = session_factory  # the database is back
    _record(log, 250.0)
    assert log.flush() == 2
    assert [e.after["filter"]["radius_m"] for e in _entries(session_factory)] == [500.0, 250.0]
