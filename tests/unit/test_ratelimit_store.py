"""The shared rate-limit files (SQLite and shared memory): exact counts across worker
processes, headers that cost no extra read, the writers' lock, one strategy."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import threading
import time

import pytest
from flask import Flask
from limits.storage import storage_from_string

from api import ratelimit
from api.config import Config
from api.ratelimit_shm import ShmFileStorage
from api.ratelimit_store import SqliteFileStorage

# Each store's URI for a file in a folder, and the file its writers flock.
STORES = {
    "sqlitefile": (lambda folder: f"sqlitefile://{folder / 'limits.sqlite'}", ".lock"),
    "shmfile": (lambda folder: f"shmfile://{folder / 'limits.shm'}", ""),
}


@pytest.fixture(params=sorted(STORES))
def store_uri(request, tmp_path):
    return STORES[request.param][0](tmp_path)


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


def test_a_check_without_counting_sees_what_other_workers_counted(store_uri):
    one, other = storage_from_string(store_uri), storage_from_string(store_uri)
    one.incr("token:a", 60)
    assert one.get("token:a") == 1 and one.get_expiry("token:a") > time.time()
    other.incr("token:a", 60)
    other.incr("token:a", 60)
    assert one.get("token:a") == 3
    assert one.incr("token:a", 60) == 4  # the count itself is always the file's
    assert one.get("token:unknown") == 0


@pytest.mark.parametrize("scheme", sorted(STORES))
def test_a_count_waits_while_another_writer_holds_the_lock_file(tmp_path, scheme):
    uri, lock_suffix = STORES[scheme][0](tmp_path), STORES[scheme][1]
    store = storage_from_string(uri)
    opened, go = threading.Event(), threading.Event()
    order: list[str] = []
    counted = {}

    def count():
        store.incr("token:a", 60)  # this thread's file (and lock file) is open
        opened.set()
        go.wait()
        counted["n"] = store.incr("token:a", 60)
        order.append("counted")

    writer = threading.Thread(target=count)
    writer.start()
    opened.wait()
    # Another writer (its own open file: flock conflicts as between two processes) holds
    # the lock; a count started meanwhile must not land until that writer lets go.
    holder = os.open(uri.split("://", 1)[1] + lock_suffix, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    go.set()
    writer.join(timeout=0.3)  # ample for an unguarded count (tens of µs) to finish
    order.append("released")
    fcntl.flock(holder, fcntl.LOCK_UN)
    os.close(holder)
    writer.join()
    assert order == ["released", "counted"]
    assert counted["n"] == 2


def _count(uri: str, times: int, start) -> None:
    store = storage_from_string(uri)
    store.incr("token:own", 60)  # its file open before the race starts
    start.wait()
    for _ in range(times):
        store.incr("token:shared", 60)


def test_processes_counting_one_key_at_once_lose_no_count(store_uri):
    storage_from_string(store_uri).incr("token:shared", 60)  # the file exists beforehand
    fork = multiprocessing.get_context("fork")
    start = fork.Event()
    workers = [fork.Process(target=_count, args=(store_uri, 2000, start)) for _ in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0] * 4
    assert storage_from_string(store_uri).get("token:shared") == 1 + 4 * 2000


def test_a_window_ends_at_its_expiry_and_counting_starts_again(store_uri):
    store = storage_from_string(store_uri)
    store.incr("token:a", 0.05)
    assert store.incr("token:a", 0.05) == 2
    time.sleep(0.1)
    assert storage_from_string(store_uri).get("token:a") == 0
    assert store.incr("token:a", 60) == 1
    assert store.get_expiry("token:a") > time.time() + 59


def test_clear_and_reset_forget_windows(store_uri):
    store = storage_from_string(store_uri)
    for key in ("token:a", "token:a", "token:b"):
        store.incr(key, 60)
    store.clear("token:a")
    assert (store.get("token:a"), store.get("token:b")) == (0, 1)
    assert time.time() - 1 < store.get_expiry("token:a") <= time.time()  # no window running
    store.reset()
    assert store.get("token:b") == 0 and store.incr("token:b", 60) == 1
    assert store.check()


@pytest.mark.parametrize("store", [SqliteFileStorage, ShmFileStorage])
def test_a_strategy_the_store_cannot_do_is_refused_at_start_up(tmp_path, store, monkeypatch):
    monkeypatch.setenv("INFRASHARE_RATE_LIMIT_STRATEGY", "moving-window")
    monkeypatch.setenv(
        "INFRASHARE_RATE_LIMIT_STORAGE", STORES[store.STORAGE_SCHEME[0]][0](tmp_path)
    )
    config = Config()
    app = Flask(__name__)
    app.config.update(
        TRUSTED_PROXIES=(),
        RATELIMIT_STORAGE_URI=config.RATELIMIT_STORAGE_URI,
        RATELIMIT_STRATEGY=config.RATELIMIT_STRATEGY,
    )
    with pytest.raises(NotImplementedError, match="MovingWindow"):
        ratelimit.register(app)
