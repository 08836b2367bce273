"""Rendered vector tiles kept per process for a minute, keyed by the tile and its ETag.

A map shows the same tiles to everyone panning over one place, and rendering one costs
~8 ms of CPU (a z15 tile of the demo city) against ~0.1 ms to hand back bytes already made.
The ETag (api.tiles.resources) already names the content: the registry's seq and who looks
(name, organisation, roles, grants, mask grid). So a tile is kept under (z, x, y, ETag) and
is gone as soon as the registry changes; the only change without a new seq is time passing
(a hold that expires frees its units), and the response lets any client keep a tile for
MAX_AGE seconds without asking, so the server keeps it no longer either.

Not kept: tiles for a caller holding access grants (rendering notes each grant use for the
audit, every time; tests/e2e/test_grant_use_audit.py).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict

EXTENSION = "infrashare_tile_cache"


class TileCache:
    """Least recently used tiles up to `max_bytes`, each for at most `ttl_s` seconds."""

    def __init__(self, max_bytes: int, ttl_s: float) -> None:
        self.max_bytes, self.ttl_s = max_bytes, ttl_s
        self._tiles: OrderedDict[tuple, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # gthread workers serve requests in threads

    def get(self, key: tuple) -> bytes | None:
        with self._lock:
            found = self._tiles.get(key)
            if found is None:
                return None
            if found[1] <= time.monotonic():
                self._drop(key)
                return None
            self._tiles.move_to_end(key)
            return found[0]

    def put(self, key: tuple, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        with self._lock:
            if key in self._tiles:
                self._drop(key)
            self._tiles[key] = (data, time.monotonic() + self.ttl_s)
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._tiles)))

    def _drop(self, key: tuple) -> None:
        data, _ = self._tiles.pop(key)
        self._bytes -= len(data)


def tile_cache(app) -> TileCache | None:
    """This app's cache (made on first use), or None when TILE_CACHE_MB is 0."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        from api.tiles.resources import MAX_AGE

        megabytes = float(app.config.get("TILE_CACHE_MB", 32))
        if megabytes <= 0:
            return None
        found = app.extensions[EXTENSION] = TileCache(int(megabytes * 2**20), MAX_AGE)
    return found
