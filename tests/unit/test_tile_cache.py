"""The per-worker cache of rendered tiles: bounded in bytes, least recently used out first,
nothing kept past its time."""

from __future__ import annotations

from api.tiles import cache as tile_cache_module
from api.tiles.cache import TileCache


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
