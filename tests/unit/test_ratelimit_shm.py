"""The shared-memory rate-limit table: keys of one hash kept apart, expired slots reused, a
full window evicting the entry that expires first, a file that outlives its workers."""

from __future__ import annotations

import time

import pytest

from api import ratelimit_shm
from api.ratelimit_shm import PROBE, ShmFileStorage


def _store(tmp_path, slots=PROBE) -> ShmFileStorage:
    return ShmFileStorage(f"shmfile://{tmp_path / 'limits.shm'}?slots={slots}")


@pytest.fixture
def one_home(monkeypatch):
    """Every key hashes alike: all land on one home slot and probe on from there."""
    monkeypatch.setattr(ratelimit_shm, "key_hash", lambda raw: 12345)


def test_two_keys_of_one_hash_are_counted_apart(tmp_path, one_home):
    store = _store(tmp_path, slots=1024)
    assert [store.incr("token:a", 60) for _ in range(3)] == [1, 2, 3]
    assert [store.incr("token:b", 60) for _ in range(2)] == [1, 2]
    assert (_store(tmp_path).get("token:a"), _store(tmp_path).get("token:b")) == (3, 2)


def test_keys_too_long_to_keep_are_told_apart_by_their_digest(tmp_path, one_home):
    store = _store(tmp_path)
    long = "token:" + "x" * 300
    assert store.incr(long + "a", 60) == 1 and store.incr(long + "b", 60) == 1
    assert store.incr(long + "a", 60) == 2


def test_a_key_probed_past_a_cleared_one_is_still_found(tmp_path, one_home):
    store = _store(tmp_path)
    store.incr("token:a", 60)
    store.incr("token:b", 60)
    store.clear("token:a")
    assert store.incr("token:b", 60) == 2
    assert store.incr("token:a", 60) == 1  # a's cleared slot again, not a second entry
    assert _store(tmp_path).get("token:b") == 2


def test_a_new_key_takes_an_expired_slot(tmp_path, one_home):
    store = _store(tmp_path)
    for i in range(PROBE):
        store.incr(f"token:short{i}", 0.05)
    store.incr("token:short0", 0.05)
    time.sleep(0.1)
    assert store.incr("token:new", 60) == 1  # the window had no never-used slot left
    fresh = _store(tmp_path)
    assert fresh.get("token:new") == 1 and fresh.get("token:short0") == 0


def test_a_full_window_evicts_the_entry_that_expires_first_and_counts_the_new_key(
    tmp_path, one_home
):
    store = _store(tmp_path)
    for i in range(PROBE):  # every slot live; token:k3's window ends first
        for _ in range(2):
            store.incr(f"token:k{i}", 30 if i == 3 else 60 + i)
    assert store.incr("token:new", 60) == 1
    assert store.incr("token:new", 60) == 2
    fresh = _store(tmp_path)
    assert fresh.get("token:k3") == 0  # evicted: its count starts again
    assert [fresh.get(f"token:k{i}") for i in range(PROBE) if i != 3] == [2] * (PROBE - 1)
    assert store.incr("token:k3", 30) == 1  # counted again (evicting the next to expire)


def test_the_table_outlives_the_process_that_made_it_and_keeps_its_size(tmp_path):
    _store(tmp_path, slots=64).incr("token:a", 60)
    later = _store(tmp_path, slots=4096)  # a restarted worker, configured otherwise
    assert later.incr("token:a", 60) == 2
    size = (tmp_path / "limits.shm").stat().st_size
    assert size == ratelimit_shm.HEADER_SIZE + 64 * ratelimit_shm.SLOT_SIZE


def test_the_table_has_its_disk_space_before_any_page_is_written(tmp_path):
    store = _store(tmp_path, slots=4096)
    store.incr("token:a", 60)
    store.reset()
    size = ratelimit_shm.HEADER_SIZE + 4096 * ratelimit_shm.SLOT_SIZE
    stat = (tmp_path / "limits.shm").stat()
    assert stat.st_size == size and stat.st_blocks * 512 >= size  # not sparse


def test_a_file_that_is_not_a_table_is_laid_out_afresh(tmp_path):
    (tmp_path / "limits.shm").write_bytes(b"not a rate-limit table")
    store = _store(tmp_path, slots=32)
    assert store.check()
    assert store.incr("token:a", 60) == 1


def test_a_table_uri_without_a_path_or_with_too_few_slots_is_refused():
    with pytest.raises(ValueError, match="file path"):
        ShmFileStorage("shmfile://")
    with pytest.raises(ValueError, match="slots"):
        ShmFileStorage("shmfile:///tmp/x.shm?slots=4")
