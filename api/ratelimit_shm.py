"""A rate-limit store in a shared-memory (mmap'd) file: fixed-window counters for every worker.

URI `shmfile:///path/to/file` (optionally `?slots=N`, default 65,536: an 8 MB sparse file
of which only the pages touched take memory). Counting a hit costs a few µs of CPU, about a
tenth of an UPSERT in the SQLite store (api.ratelimit_store), whose pages a request's other
work pushes out of the CPU caches. Like that store it counts exactly across the workers of
one host; several hosts need a network store (`redis://...`).

The file is a header and a fixed-size open-addressing table of 128-byte slots: a slot holds
a 64-bit hash of its key (0: never used), the window's expiry and count, and the key's
bytes (a digest for keys too long to fit), so two keys of one hash never share a count. A
key lives in the first PROBE slots from its hash's home, at most once; a lookup stops at a
never-used slot (slots are never emptied again, only expired: `clear` expires one). A new
key takes its window's first expired (or never-used) slot.

A full window (PROBE live entries of other keys) evicts the entry that expires first: it
loses the least of its window, nobody crashes and the new key is counted. The evicted
caller's count starts again at its next request, so it may get up to one more budget in
that window; the table is sized so that this needs tens of thousands of live callers, and
each eviction is logged. Nothing is ever let through uncounted because the table is full.

Writers take an flock on the file; readers a shared one, so they never see half a write.
Every process (and thread) opens its own descriptor: an flock is held by an open file, and
one inherited across a fork would not keep two workers apart.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import mmap
import os
import struct
import threading
import time
from urllib.parse import parse_qs

from api.ratelimit_store import WindowMemoStorage

log = logging.getLogger(__name__)

MAGIC = b"ISRLSHM1"
HEADER = struct.Struct("<8sII")  # magic, slot count, slot size
HEADER_SIZE = 64
SLOT_SIZE = 128
SLOT = struct.Struct("<QdqH")  # key hash, expires (epoch s), count, key length
KEY_MAX = SLOT_SIZE - SLOT.size  # key bytes that fit beside the counters
PROBE = 16  # slots a key may live in, from its home
DEFAULT_SLOTS = 65536
WARN_EVERY_S = 60.0  # evictions are logged at most this often per process


def key_bytes(key: str) -> bytes:
    """The bytes kept to tell keys apart: the key itself, or (too long) a 32-byte digest
    after a NUL, which no text key starts with."""
    raw = key.encode()
    if len(raw) <= KEY_MAX:
        return raw
    return b"\0" + hashlib.blake2b(raw, digest_size=32).digest()


def key_hash(raw: bytes) -> int:
    """A hash every process agrees on (str's hash() differs between interpreters); 0 is
    kept for never-used slots."""
    return int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "little") or 1


def _parse(uri: str) -> tuple[str, int]:
    """(path, slots) from `shmfile:///path?slots=N`."""
    rest = uri.split("://", 1)[1]
    path, _, query = rest.partition("?")
    if not path:
        raise ValueError("a shmfile:// rate-limit store needs a file path: shmfile:///path")
    slots = int(parse_qs(query).get("slots", [DEFAULT_SLOTS])[0])
    if slots < PROBE:
        raise ValueError(f"a shmfile:// store needs at least {PROBE} slots, not {slots}")
    return path, slots


class _Table:
    """One process's view of the file: its descriptor (for the flock) and the mapping."""

    def __init__(self, path: str, slots: int) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                self.slots = self._prepare(slots)
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)
            self.mm = mmap.mmap(self.fd, HEADER_SIZE + self.slots * SLOT_SIZE)
        except BaseException:
            os.close(self.fd)
            raise
        self.pid, self.warned = os.getpid(), -WARN_EVERY_S

    def _prepare(self, slots: int) -> int:
        """The file's slot count, laying the file out first when it is new or not ours.
        A valid file keeps its size: workers may have it mapped, and shrinking a mapped
        file kills them (SIGBUS)."""
        head = os.pread(self.fd, HEADER.size, 0)
        if len(head) == HEADER.size:
            magic, have, size = HEADER.unpack(head)
            valid = magic == MAGIC and size == SLOT_SIZE and have >= PROBE
            if valid and os.fstat(self.fd).st_size >= HEADER_SIZE + have * SLOT_SIZE:
                if have != slots:
                    log.info("rate-limit table has %s slots (not %s): kept as is", have, slots)
                return have
        os.ftruncate(self.fd, 0)  # zeros throughout: every slot never used
        os.ftruncate(self.fd, HEADER_SIZE + slots * SLOT_SIZE)
        os.pwrite(self.fd, HEADER.pack(MAGIC, slots, SLOT_SIZE), 0)
        return slots

    def find(self, raw: bytes, h: int, now: float) -> tuple[int, bool]:
        """(offset of the key's slot, whether it holds the key): else the slot it may take,
        the first expired or never-used one of its window, or the one expiring first."""
        mm, unpack, slots = self.mm, SLOT.unpack_from, self.slots
        home, free, oldest, oldest_at = h % slots, -1, -1, 0.0
        for i in range(PROBE):
            off = HEADER_SIZE + ((home + i) % slots) * SLOT_SIZE
            have, expires, _n, size = unpack(mm, off)
            if have == 0:  # never used: the key is not further on
                return (off if free < 0 else free), False
            if have == h and mm[off + SLOT.size : off + SLOT.size + size] == raw:
                return off, True
            if expires <= now:
                if free < 0:
                    free = off
            elif oldest < 0 or expires < oldest_at:
                oldest, oldest_at = off, expires
        if free >= 0:
            return free, False
        if time.monotonic() - self.warned > WARN_EVERY_S:  # one line, not one per request
            self.warned = time.monotonic()
            log.warning("rate-limit table: a full window evicted the entry expiring first")
        return oldest, False


class ShmFileStorage(WindowMemoStorage):
    """Fixed-window counters in a shared-memory file (limits' Storage interface)."""

    STORAGE_SCHEME = ["shmfile"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path, self.slots = _parse(uri)
        self._local = threading.local()

    @property
    def base_exceptions(self):
        return OSError, ValueError

    def _table(self) -> _Table:
        # Opened on first use in each process and thread (a missing directory then fails
        # that request, which the limiter logs and lets through, as the SQLite store does).
        table = getattr(self._local, "table", None)
        if table is None or table.pid != os.getpid():
            table = self._local.table = _Table(self.path, self.slots)
        return table

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        raw = key_bytes(key)
        h = key_hash(raw)
        table = self._table()
        fcntl.flock(table.fd, fcntl.LOCK_EX)
        try:
            now = time.time()
            off, mine = table.find(raw, h, now)
            _h, expires, n, _size = SLOT.unpack_from(table.mm, off)
            if mine and expires > now:
                n += amount
                SLOT.pack_into(table.mm, off, h, expires, n, len(raw))
            else:
                n, expires = amount, now + expiry
                SLOT.pack_into(table.mm, off, h, expires, n, len(raw))
                table.mm[off + SLOT.size : off + SLOT.size + len(raw)] = raw
        finally:
            fcntl.flock(table.fd, fcntl.LOCK_UN)
        self._remember(key, n, expires, counted=True)
        return n

    def _read(self, key: str) -> tuple:
        raw = key_bytes(key)
        table = self._table()
        fcntl.flock(table.fd, fcntl.LOCK_SH)
        try:
            now = time.time()
            off, mine = table.find(raw, key_hash(raw), now)
            _h, expires, n, _size = SLOT.unpack_from(table.mm, off)
        finally:
            fcntl.flock(table.fd, fcntl.LOCK_UN)
        if not mine:
            n, expires = 0, now
        elif expires <= now:
            n = 0
        return self._remember(key, n, expires, counted=False)

    def check(self) -> bool:
        try:
            table = self._table()
        except (OSError, ValueError):
            return False
        return table.mm[: len(MAGIC)] == MAGIC

    def reset(self) -> int | None:
        """Every window forgotten (their number is not counted: None)."""
        self._local.window = None
        table = self._table()
        fcntl.flock(table.fd, fcntl.LOCK_EX)
        try:
            # Cut the file back to its header and grow it again: every slot reads as never
            # used, without writing (or paging in) megabytes of zeros. Safe while mapped:
            # nobody touches the slots without the lock held here.
            os.ftruncate(table.fd, HEADER_SIZE)
            os.ftruncate(table.fd, HEADER_SIZE + table.slots * SLOT_SIZE)
        finally:
            fcntl.flock(table.fd, fcntl.LOCK_UN)
        return None

    def clear(self, key: str) -> None:
        """The key's window ends now; its slot stays in use (as expired), so the keys
        probed past it are still found."""
        self._local.window = None
        raw = key_bytes(key)
        h = key_hash(raw)
        table = self._table()
        fcntl.flock(table.fd, fcntl.LOCK_EX)
        try:
            off, mine = table.find(raw, h, time.time())
            if mine:
                SLOT.pack_into(table.mm, off, h, 0.0, 0, len(raw))
        finally:
            fcntl.flock(table.fd, fcntl.LOCK_UN)
