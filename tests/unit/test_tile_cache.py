"""The cache of rendered tiles, in a worker's memory or in a directory its server's workers
share: bounded in bytes, nothing kept past its time, never another key's tile."""

from __future__ import annotations

import os
import time

from api.tiles import cache as tile_cache_module
from api.tiles.cache import DirTileCache, TileCache


def test_the_least_recently_used_tiles_go_first_when_the_bytes_run_out():
    cache = TileCache(max_bytes=10, ttl_s=60)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # a is now the more recent
    cache.put("c", b"1234")  # 12 bytes > 10: b goes
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1234", None, b"1234")


def test_a_tile_larger_than_the_whole_cache_is_not_kept():
    cache = TileCache(max_bytes=3, ttl_s=60)
    cache.put("big", b"1234")
    assert cache.get("big") is None


def test_a_tile_is_not_served_past_its_time(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(tile_cache_module.time, "monotonic", lambda: now[0])
    cache = TileCache(max_bytes=100, ttl_s=60)
    cache.put("t", b"tile")
    now[0] += 59.9
    assert cache.get("t") == b"tile"
    now[0] += 0.2
    assert cache.get("t") is None
    cache.put("t", b"new")  # its bytes were given back: the bound still holds exactly
    assert cache._bytes == 3


def test_workers_sharing_a_directory_render_a_tile_once(tmp_path):
    one, other = DirTileCache(tmp_path, 1000, 60), DirTileCache(tmp_path, 1000, 60)
    one.put((15, 1, 2, "7-abc"), b"tile bytes")
    assert other.get((15, 1, 2, "7-abc")) == b"tile bytes"
    assert other.get((15, 1, 2, "8-abc")) is None  # the registry changed: another key


def test_a_file_holding_another_key_is_never_handed_over(tmp_path, monkeypatch):
    cache = DirTileCache(tmp_path, 1000, 60)
    monkeypatch.setattr(cache, "_path", lambda head: tmp_path / "same.mvt")  # every name collides
    cache.put((15, 1, 2, "7-abc"), b"the owner's tile")
    assert cache.get((15, 1, 2, "7-def")) is None


def test_a_shared_tile_past_its_time_is_not_served_and_the_sweep_keeps_the_budget(tmp_path):
    cache = DirTileCache(tmp_path, 25, 60)
    for n in range(3):
        cache.put(("tile", n), b"0123456789")
    old = time.time() - 61
    os.utime(cache._path(repr(("tile", 0)).encode() + b"\n"), (old, old))
    assert cache.get(("tile", 0)) is None
    cache.sweep()  # tile 0 expired; tiles 1 and 2 (10 bytes and their keys each) exceed 25
    assert [cache.get(("tile", n)) for n in range(3)] == [None, None, b"0123456789"]


def test_a_directory_that_cannot_be_written_makes_misses_not_errors(tmp_path):
    folder = tmp_path / "tiles"
    cache = DirTileCache(folder, 1000, 60)
    folder.rmdir()
    folder.write_text("not a directory any more")
    cache.put(("t",), b"tile")  # no exception
    assert cache.get(("t",)) is None


def test_a_directory_removed_under_a_running_server_is_made_again(tmp_path):
    folder = tmp_path / "tiles"
    cache = DirTileCache(folder, 1000, 60)
    folder.rmdir()
    cache.put(("t",), b"tile")
    assert cache.get(("t",)) == b"tile"


def test_a_seq_gone_back_drops_every_kept_tile_in_memory():
    """A restore takes the seq back; new writes could reach a seq already used for tiles of
    the history the restore left: none of them may be served."""
    cache = TileCache(max_bytes=100, ttl_s=60)
    cache.seen(120)
    cache.put((15, 1, 2, "121-abc"), b"old history")
    cache.seen(121)
    assert cache.get((15, 1, 2, "121-abc")) == b"old history"  # the seq going on keeps them
    cache.seen(100)  # restored
    assert cache.get((15, 1, 2, "121-abc")) is None
    assert cache._bytes == 0
    cache.put((15, 1, 2, "101-abc"), b"new history")
    cache.seen(101)
    assert cache.get((15, 1, 2, "101-abc")) == b"new history"


def test_a_seq_gone_back_drops_the_shared_tiles_for_every_worker(tmp_path):
    one, other = DirTileCache(tmp_path, 10_000, 60), DirTileCache(tmp_path, 10_000, 60)
    one.seen(120)
    one.put((15, 1, 2, "121-abc"), b"old history")
    one.seen(121)
    other.seen(121)
    assert other.get((15, 1, 2, "121-abc")) == b"old history"
    other.seen(100)  # the other worker is the first to see the restore
    assert one.get((15, 1, 2, "121-abc")) is None
    one.seen(100)
    one.put((15, 1, 2, "121-abc"), b"new history")
    assert other.get((15, 1, 2, "121-abc")) == b"new history"
    old = time.time() - 120  # the seq seen is older than a half-written file may be
    os.utime(tmp_path / "seq", (old, old))
    one.sweep()  # ... and still kept: a later restore is still noticed
    other.seen(90)
    assert one.get((15, 1, 2, "121-abc")) is None
