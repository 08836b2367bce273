"""Rendered vector tiles kept per process for a minute, keyed by the tile and its ETag.

A map shows the same tiles to everyone panning over one place, and rendering one costs
~8 ms of CPU (a z15 tile of the demo city) against ~0.1 ms to hand back bytes already made.
The ETag (api.tiles.resources) already names the content: the registry's seq and who looks
(name, organisation, roles, grants, mask grid). So a tile is kept under (z, x, y, ETag) and
is gone as soon as the registry changes; the only change without a new seq is time passing
(a hold that expires frees its units), and the response lets any client keep a tile for
MAX_AGE seconds without asking, so the server keeps it no longer either.

A restore from a backup takes the seq back, and new writes can then reach a seq the cache
already keys tiles of the old history by: so every request tells the cache its seq
(`seen`), and a seq below the highest one seen drops every kept tile. (A request that read
its seq just before a write, and gets here after one that read it just after, drops them
too: those tiles were of a seq already gone, so little is lost.)

Not kept: tiles for a caller holding access grants (rendering notes each grant use for the
audit, every time; tests/e2e/test_grant_use_audit.py).

Under gunicorn the workers share one cache: files in a directory of the server's own
(TILE_CACHE_DIR, made by api/gunicorn_conf.py), so a tile is rendered once for all of them
rather than once per worker. Elsewhere (tests, `flask run`) it is this process's memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from pathlib import Path

log = logging.getLogger(__name__)

EXTENSION = "infrashare_tile_cache"


class TileCache:
    """Least recently used tiles up to `max_bytes`, each for at most `ttl_s` seconds."""

    def __init__(self, max_bytes: int, ttl_s: float) -> None:
        self.max_bytes, self.ttl_s = max_bytes, ttl_s
        self._tiles: OrderedDict[tuple, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0
        self._high: int | None = None  # the highest registry seq seen
        self._lock = threading.Lock()  # gthread workers serve requests in threads

    def seen(self, seq: int) -> None:
        """This request's registry seq: below the highest seen, the database was restored
        and the tiles kept may be of the history it left, so none is kept."""
        with self._lock:
            if self._high is not None and seq < self._high:
                self._tiles.clear()
                self._bytes = 0
                self._high = seq
            elif self._high is None or seq > self._high:
                self._high = seq

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


class DirTileCache:
    """Tiles as files in one directory that every worker of a server reads and writes.

    A file is written aside and renamed into place, so a reader sees a whole tile or none;
    it starts with its key, so a name's hash can never hand over another tile. Every
    SWEEP_EVERY writes a process drops the expired files, then the oldest beyond
    `max_bytes`. A failing disk makes misses (logged once), never a failed request."""

    SWEEP_EVERY = 128

    def __init__(self, folder: Path, max_bytes: int, ttl_s: float) -> None:
        self.folder, self.max_bytes, self.ttl_s = Path(folder), max_bytes, ttl_s
        self.folder.mkdir(parents=True, exist_ok=True)
        self._writes, self._warned = 0, False

    def seen(self, seq: int) -> None:
        """As TileCache.seen, for every worker of the server: the highest seq is kept in a
        file of the directory (one small read a tile request; written when the seq moves)."""
        marker = self.folder / "seq"
        try:
            high = int(marker.read_text())
        except (OSError, ValueError):
            high = None
        if high is not None and seq < high:
            for entry in os.scandir(self.folder):
                if entry.name.endswith(".mvt"):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
        if high != seq:
            self._write_marker(marker, seq)

    def _write_marker(self, marker: Path, seq: int) -> None:
        try:
            fd, aside = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "w") as f:
                f.write(str(seq))
            os.replace(aside, marker)
        except OSError:
            pass  # the tiles are keyed by seq anyway; only a restore's drop is missed

    def _path(self, head: bytes) -> Path:
        return self.folder / f"{hashlib.blake2b(head, digest_size=16).hexdigest()}.mvt"

    def get(self, key: tuple) -> bytes | None:
        head = repr(key).encode() + b"\n"
        try:
            with open(self._path(head), "rb") as f:
                if os.fstat(f.fileno()).st_mtime + self.ttl_s <= time.time():
                    return None
                data = f.read()
        except OSError:
            return None
        return data[len(head) :] if data.startswith(head) else None

    def put(self, key: tuple, data: bytes) -> None:
        if len(data) > self.max_bytes:
            return
        head = repr(key).encode() + b"\n"
        try:
            try:
                fd, aside = tempfile.mkstemp(dir=self.folder, suffix=".part")
            except FileNotFoundError:  # removed under us (a server starting swept it): again
                self.folder.mkdir(parents=True, exist_ok=True)
                fd, aside = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(head + data)
            os.replace(aside, self._path(head))
            self._writes += 1
            if self._writes % self.SWEEP_EVERY == 0:
                self.sweep()
        except OSError:
            if not self._warned:
                self._warned = True
                log.warning("tile cache %s: cannot write; tiles rendered each time", self.folder)

    def sweep(self) -> None:
        """Drop expired tiles, then the oldest until the rest fit in max_bytes."""
        now, kept = time.time(), []
        for entry in os.scandir(self.folder):
            if entry.name == "seq":  # the highest seq seen (seen), not a tile
                continue
            try:
                st = entry.stat()
                if entry.name.endswith(".mvt") and st.st_mtime + self.ttl_s > now:
                    kept.append((st.st_mtime, st.st_size, entry.path))
                elif entry.name.endswith(".mvt") or st.st_mtime + 60 <= now:
                    os.unlink(entry.path)  # expired, or a write a killed worker left half-done
            except OSError:  # another worker swept it first
                continue
        total = sum(size for _, size, _ in kept)
        for _, size, path in sorted(kept):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
            total -= size


def tile_cache(app) -> TileCache | DirTileCache | None:
    """This app's cache (made on first use), or None when TILE_CACHE_MB is 0."""
    found = app.extensions.get(EXTENSION)
    if found is None:
        from api.tiles.resources import MAX_AGE

        megabytes = float(app.config.get("TILE_CACHE_MB", 32))
        if megabytes <= 0:
            return None
        budget, folder = int(megabytes * 2**20), app.config.get("TILE_CACHE_DIR")
        try:
            found = DirTileCache(folder, budget, MAX_AGE) if folder else None
        except OSError:
            log.warning("tile cache %s: cannot make it; each worker keeps its own", folder)
        found = app.extensions[EXTENSION] = found or TileCache(budget, MAX_AGE)
    return found
