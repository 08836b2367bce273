"""A rate-limit store in a shared-memory (mmap'd) file: fixed-window counters for every worker.

URI `shmfile:///path/to/file` (optionally `?slots=N`, default 65,536: an 8 MB file, its
disk space reserved when it is laid out, since a page first written to a full disk through
a mapping kills the process with SIGBUS; only the pages touched take memory).

A count costs ~14 µs of CPU inside an app request (~3 µs in a loop) against ~55 µs (~18 µs)
for the SQLite store's UPSERT (api.ratelimit_store), whose pages a request's other work
pushes out of the CPU caches; POST /match/site costs ~110 µs of CPU less (of ~1.2 ms).
Like that store it counts exactly across the workers of one host; several hosts need a
network store (`redis://...`).

The file is a header and a fixed-size open-addressing table of 128-byte slots: a slot holds
a 64-bit hash of its key (0: never used), the window's expiry and count, and the key's
bytes (a digest for keys too long to fit), so two keys of one hash never share a count. A
key lives in the first PROBE slots from its hash's home, at most once; a lookup stops at a
never-used slot (slots are never emptied again, only expired: `clear` expires one). A new
key takes its window's first expired (or never-used) slot.

A full window (PROBE live entries of other keys) evicts the entry that expires first: it
loses the least of its window, nobody crashes and the new key is counted. The evicted
caller's count starts again at its next request, so it may get up to one more budget in
that window; the table is sized so that this needs tens of thousands of running windows
(caller x endpoint), and evictions are logged (once a minute per process). Nothing is
ever let through uncounted because the table is full.

Writers take an flock on the file; readers a shared one, so they never see half a write.
Every process opens its own descriptor (an flock is held by an open file: one inherited
across a fork would not keep two workers apart); its threads queue on a lock before that.

Counting runs right after a request's other work has pushed this code out of the CPU
caches, so its path is short: each key's bytes and hash are kept per process, the key is
looked for at its home slot before any probing, and the fork check reads a counter.
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
from contextlib import contextmanager
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
KEY_AT = SLOT.size  # where a slot's key bytes start
KNOWN_KEYS = 4096  # keys whose bytes and hash a process keeps (then it starts afresh)

# Bumped in every forked child: its tables (descriptor, flock, mmap) are the parent's and
# must be opened again. Cheaper per count than asking for the pid (a system call).
_forks = [0]
os.register_at_fork(after_in_child=lambda: _forks.__setitem__(0, _forks[0] + 1))


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


def _allocate(fd: int, size: int) -> None:
    """Grow the file to `size` with its blocks reserved (ENOSPC here is an OSError the
    limiter logs, not a SIGBUS later)."""
    os.ftruncate(fd, size)
    os.posix_fallocate(fd, 0, size)


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
        self.gen, self.warned = _forks[0], -WARN_EVERY_S
        self.guard = threading.Lock()  # this process's threads, before the flock

    def close(self) -> None:
        self.mm.close()
        os.close(self.fd)

    @contextmanager
    def locked(self, how: int):
        """The table to this thread, under a shared (readers) or exclusive flock."""
        with self.guard:
            fcntl.flock(self.fd, how)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)

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
        _allocate(self.fd, HEADER_SIZE + slots * SLOT_SIZE)
        os.pwrite(self.fd, HEADER.pack(MAGIC, slots, SLOT_SIZE), 0)
        return slots

    def find(self, raw: bytes, h: int, now: float) -> tuple[int, bool, float, int]:
        """(offset, whether it holds the key, its expiry, its count) of the key's slot, else
        of the slot the key may take (see _probe). Most keys sit at their home slot."""
        off = HEADER_SIZE + (h % self.slots) * SLOT_SIZE
        have, expires, n, size = SLOT.unpack_from(self.mm, off)
        if have == h and self.mm[off + KEY_AT : off + KEY_AT + size] == raw:
            return off, True, expires, n
        if have == 0:
            return off, False, 0.0, 0
        return self._probe(raw, h, now)

    def _probe(self, raw: bytes, h: int, now: float) -> tuple[int, bool, float, int]:
        """The key's window, slot by slot: its own slot, else the first expired or
        never-used one, else (full) the one expiring first."""
        mm, unpack, slots = self.mm, SLOT.unpack_from, self.slots
        home, free, oldest, oldest_at = h % slots, -1, -1, 0.0
        for i in range(PROBE):
            off = HEADER_SIZE + ((home + i) % slots) * SLOT_SIZE
            have, expires, n, size = unpack(mm, off)
            if have == 0:  # never used: the key is not further on
                return (off if free < 0 else free), False, 0.0, 0
            if have == h and mm[off + KEY_AT : off + KEY_AT + size] == raw:
                return off, True, expires, n
            if expires <= now:
                if free < 0:
                    free = off
            elif oldest < 0 or expires < oldest_at:
                oldest, oldest_at = off, expires
        if free >= 0:
            return free, False, 0.0, 0
        if time.monotonic() - self.warned > WARN_EVERY_S:  # one line, not one per request
            self.warned = time.monotonic()
            log.warning("rate-limit table: a full window evicted the entry expiring first")
        return oldest, False, 0.0, 0


class ShmFileStorage(WindowMemoStorage):
    """Fixed-window counters in a shared-memory file (limits' Storage interface)."""

    STORAGE_SCHEME = ["shmfile"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path, self.slots = _parse(uri)
        self._local = threading.local()  # the window memo (WindowMemoStorage)
        self._known: dict[str, tuple[bytes, int]] = {}
        self._current: _Table | None = None
        self._opening = threading.Lock()

    @property
    def base_exceptions(self):
        return OSError, ValueError

    def _key(self, key: str) -> tuple[bytes, int]:
        known = self._known.get(key)
        if known is None:
            if len(self._known) >= KNOWN_KEYS:
                self._known.clear()
            raw = key_bytes(key)
            known = self._known[key] = (raw, key_hash(raw))
        return known

    def _table(self) -> _Table:
        table = self._current
        if table is not None and table.gen == _forks[0]:
            return table
        # Opened on first use in each process (a missing directory then fails that request,
        # which the limiter logs and lets through, as the SQLite store does).
        with self._opening:
            if self._current is not None:
                self._current.close()  # the parent's: closing our copy leaves its lock be
                self._current = None
            self._current = _Table(self.path, self.slots)
        return self._current

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        raw, h = self._key(key)
        table = self._table()
        with table.guard:
            fcntl.flock(table.fd, fcntl.LOCK_EX)
            try:
                now = time.time()
                off, mine, expires, n = table.find(raw, h, now)
                if mine and expires > now:
                    n += amount
                else:
                    n, expires = amount, now + expiry
                    table.mm[off + KEY_AT : off + KEY_AT + len(raw)] = raw
                SLOT.pack_into(table.mm, off, h, expires, n, len(raw))
            finally:
                fcntl.flock(table.fd, fcntl.LOCK_UN)
        self._remember(key, n, expires, counted=True)
        return n

    def _read(self, key: str) -> tuple:
        raw, h = self._key(key)
        table = self._table()
        with table.locked(fcntl.LOCK_SH):
            now = time.time()
            _off, mine, expires, n = table.find(raw, h, now)
        if not mine or not expires:  # unknown, or cleared: no window (as a deleted row)
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
        with table.locked(fcntl.LOCK_EX):
            # Cut the file back to its header and grow it again: every slot reads as never
            # used, without writing (or paging in) megabytes of zeros. Safe while mapped:
            # nobody touches the slots without the lock held here.
            os.ftruncate(table.fd, HEADER_SIZE)
            _allocate(table.fd, HEADER_SIZE + table.slots * SLOT_SIZE)
        return None

    def clear(self, key: str) -> None:
        """The key's window ends now; its slot stays in use (as expired), so the keys
        probed past it are still found."""
        self._local.window = None
        raw, h = self._key(key)
        table = self._table()
        with table.locked(fcntl.LOCK_EX):
            off, mine, _expires, _n = table.find(raw, h, time.time())
            if mine:
                SLOT.pack_into(table.mm, off, h, 0.0, 0, len(raw))
