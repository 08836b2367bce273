"""The shared rate-limit file: counts across workers, and headers that cost no extra query."""

from __future__ import annotations

import fcntl
import os
import threading
import time

from api.ratelimit_store import SqliteFileStorage


def _queries(store: SqliteFileStorage) -> list[str]:
    seen = []
    store._db().set_trace_callback(seen.append)
    return seen


def test_the_window_of_the_count_just_made_is_answered_without_a_query(tmp_path):
    store = SqliteFileStorage(f"sqlitefile://{tmp_path / 'limits.sqlite'}")
    before = time.time()
    store.incr("token:a", 60)
    n = store.incr("token:a", 60)
    seen = _queries(store)
    count, expiry = store.get("token:a"), store.get_expiry("token:a")  # as limits asks
    assert seen == []
    assert (n, count) == (2, 2) and before + 60 <= expiry <= time.time() + 60
    assert (store.get("token:a"), store.get_expiry("token:a")) == (count, expiry)
    assert len(seen) == 1  # asked again, it reads the file (once for both)


def test_a_check_without_counting_sees_what_other_workers_counted(tmp_path):
    path = f"sqlitefile://{tmp_path / 'limits.sqlite'}"
    one, other = SqliteFileStorage(path), SqliteFileStorage(path)
    one.incr("token:a", 60)
    assert one.get("token:a") == 1 and one.get_expiry("token:a") > time.time()
    other.incr("token:a", 60)
    other.incr("token:a", 60)
    assert one.get("token:a") == 3
    assert one.incr("token:a", 60) == 4  # the count itself is always the file's
    assert one.get("token:unknown") == 0


def test_a_count_waits_while_another_writer_holds_the_lock_file(tmp_path):
    path = tmp_path / "limits.sqlite"
    store = SqliteFileStorage(f"sqlitefile://{path}")
    store.incr("token:a", 60)  # the file and its lock file exist
    # Another writer (its own open file: flock conflicts as between two processes) holds
    # the lock; a count started meanwhile must not land until that writer lets go.
    holder = os.open(f"{path}.lock", os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    order: list[str] = []
    counted = {}

    def count():
        counted["n"] = store.incr("token:a", 60)
        order.append("counted")

    writer = threading.Thread(target=count)
    writer.start()
    writer.join(timeout=0.3)  # ample for an unguarded UPSERT (tens of µs) to finish
    order.append("released")
    fcntl.flock(holder, fcntl.LOCK_UN)
    os.close(holder)
    writer.join()
    assert order == ["released", "counted"]
    assert counted["n"] == 2
