"""A readers-writer lock: many queries read an index generation while catch-up waits to write."""

from __future__ import annotations

import threading
from collections.abc import Callable


class _Side:
    """A reusable `with` block for one side of the lock (cheaper than a generator-based one)."""

    __slots__ = ("_enter", "_exit")

    def __init__(self, enter: Callable[[], None], leave: Callable[[], None]) -> None:
        self._enter, self._exit = enter, leave

    def __enter__(self) -> None:
        self._enter()

    def __exit__(self, *exc) -> None:
        self._exit()


class ReadWriteLock:
    """Many readers or one writer. A waiting writer blocks new readers, so it cannot starve."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0
        self._read = _Side(self._acquire_read, self._release_read)
        self._write = _Side(self._acquire_write, self._release_write)

    def read(self) -> _Side:
        return self._read

    def write(self) -> _Side:
        return self._write

    def _acquire_read(self) -> None:
        with self._lock:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1

    def _release_read(self) -> None:
        with self._lock:
            self._readers -= 1
            if not self._readers:
                self._cond.notify_all()

    def _acquire_write(self) -> None:
        with self._lock:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True

    def _release_write(self) -> None:
        with self._lock:
            self._writing = False
            self._cond.notify_all()
